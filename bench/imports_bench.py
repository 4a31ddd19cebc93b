"""Import benchmark: 10,000 data·inclusion services (4,000 structures) into DynamoDB and S3
(moto, in-process), through the import service as the imports worker runs it. Prints one JSON
document and writes it to bench/results/imports.json.

Phases: the dry run into an empty stack (parse, validate with data-inclusion-schema, match every
record: 4,000 searches around a point), the apply (one transaction per place), and a second
dry run of the same file (every place matched by its source id: nothing to write).

What it measures, and how far to trust it (as bench/batch_bench.py, whose counters it uses):

- DynamoDB calls and items written: counted on the botocore clients, exact.
- Write units per place: from the written items' sizes with DynamoDB's rules (1 WCU per KB
  started, doubled inside a transaction), base tables only (the places table's sparse GSIs
  are left out; bench/batch_bench.py estimates them for a place write: about 2).
- Seconds: wall time in moto on this machine, not DynamoDB's latency;
  ``dynamodb_seconds_estimate`` multiplies the sequential calls by a typical in-region latency.
  moto's whole-table copy before each transaction is turned off, as in the batch bench (no
  transaction of the scenario is cancelled: every place must come back created).
- CPU seconds (``process_time``): our code plus moto's request handling in the same process.

    .venv/bin/python -m bench.imports_bench             # 10,000 services
    BENCH_IMPORT_SERVICES=1000 .venv/bin/python -m bench.imports_bench
"""

from __future__ import annotations

import json
import os
import random
import resource
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.batch_bench import (
    CallCounter,
    _units,
    counting,
    estimate_seconds,
    moto_without_table_copies,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "imports.json"
SERVICES = int(os.environ.get("BENCH_IMPORT_SERVICES", "10000"))
PER_STRUCTURE = 2.5
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
BUCKET = "repere-bench-exports"
CITIES = (  # (postal code, INSEE code, city, lat, lon)
    ("75019", "75119", "Paris", 48.8867, 2.3795),
    ("69003", "69383", "Lyon", 45.7597, 4.8422),
    ("13001", "13201", "Marseille", 43.2999, 5.3841),
    ("59000", "59350", "Lille", 50.6292, 3.0573),
    ("33000", "33063", "Bordeaux", 44.8378, -0.5792),
    ("31000", "31555", "Toulouse", 43.6047, 1.4442),
    ("44000", "44109", "Nantes", 47.2184, -1.5536),
    ("67000", "67482", "Strasbourg", 48.5734, 7.7521),
)
THEMES = (
    "equipement-et-alimentation--alimentation",
    "equipement-et-alimentation--habillement",
    "remobilisation--lien-social",
    "sante--acces-aux-soins",
    "numerique--acceder-a-une-connexion-internet",
    "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
)


def document(services: int, seed: int = 2026) -> bytes:
    """A data·inclusion v1 file: synthetic structures around eight cities, no real contact."""
    rng = random.Random(seed)
    structures = int(services / PER_STRUCTURE)
    items: list[dict[str, Any]] = []
    for number in range(structures):
        postal, insee, city, lat, lon = CITIES[number % len(CITIES)]
        items.append(
            {
                "source": "bench",
                "id": f"bench--s{number}",
                "nom": f"Structure solidaire numéro {number}",
                "date_maj": "2026-11-02",
                "description": "Accueil, orientation et aide alimentaire (données de test).",
                "commune": city,
                "code_postal": postal,
                "code_insee": insee,
                "adresse": f"{number} rue de l'Exemple",
                "latitude": round(lat + rng.uniform(-0.08, 0.08), 6),
                "longitude": round(lon + rng.uniform(-0.12, 0.12), 6),
                "horaires_accueil": "Mo-Fr 09:00-12:30,14:00-17:30; PH off",
            }
        )
    services_list = [
        {
            "source": "bench",
            "structure_id": f"bench--s{index % structures}",
            "id": f"bench--sv{index}",
            "nom": f"Service {index}",
            "description": "Un service de test, sans personne réelle derrière.",
            "date_maj": "2026-11-02",
            "thematiques": [THEMES[index % len(THEMES)]],
            "frais": "gratuit",
            "publics": ["tous-publics"],
        }
        for index in range(services)
    ]
    body = {"schema_version": "v1", "structures": items, "services": services_list}
    return json.dumps(body, ensure_ascii=False).encode()


class TableCounter(CallCounter):
    """Also splits the transactions' write units by table (the place, its history entry, its
    search cell, its change-feed item)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_table: Counter[str] = Counter()

    def __call__(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        super().__call__(params, model, **kwargs)
        if model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                put = item.get("Put") or item.get("Update") or item.get("Delete") or {}
                table = str(put.get("TableName", "?")).removeprefix("bench-")
                self.by_table[table] += 2 * _units(put.get("Item", put.get("Key", {})))


@contextmanager
def counting_searches(counter: CallCounter) -> Iterator[None]:
    """The duplicate detector's searches go through the search path's own botocore client
    (not PynamoDB's): counted there too."""
    from chalicelib.adapters.dynamodb.search_reader import search_client

    events = search_client().meta.events
    events.register("provide-client-params.dynamodb.*", counter)
    try:
        yield
    finally:
        events.unregister("provide-client-params.dynamodb.*", counter)


def _phase(counter: CallCounter, started: float, cpu: float) -> dict[str, Any]:
    calls = counter.reset()
    return {
        "seconds_moto": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "dynamodb_seconds_estimate": estimate_seconds(calls["calls"]),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **calls,
    }


def run(services: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from chalicelib.adapters.dynamodb.tables import bind_tables, create_tables
    from chalicelib.composition.adapters import AwsAdapters
    from chalicelib.composition.budget import StoreBudget
    from chalicelib.composition.root import Services
    from chalicelib.config import Settings
    from chalicelib.domain.auth import Principal, Role
    from chalicelib.domain.clock import FixedClock
    from chalicelib.domain.imports.models import ImportFormat, ImportRequest, ImportStatus
    from chalicelib.domain.imports.service import file_key

    admin = Principal(subject="bench-admin", role=Role.ADMIN)
    body = document(services)
    figures: dict[str, Any] = {"services": services, "file_bytes": len(body)}
    with mock_aws(), moto_without_table_copies():
        bind_tables("bench", region="eu-west-3")
        create_tables(wait=True)
        s3 = boto3.client("s3", region_name="eu-west-3")
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        settings = Settings.from_environ(
            {
                "REPERE_TABLE_PREFIX": "bench",
                "REPERE_EXPORTS_BUCKET": BUCKET,
                "REPERE_DYNAMODB_SEARCH_TRANSPORT": "botocore",
                "AWS_REGION": "eu-west-3",
            }
        )
        root = Services(
            settings, AwsAdapters(settings, StoreBudget.worker(settings)), FixedClock(NOW)
        )
        imports = root.import_service
        counter = TableCounter()
        phases: dict[str, Any] = {}
        job_id, version = "", 0  # the dry run's, which the apply applies
        for phase in ("dry_run", "apply", "reimport_dry_run"):
            if phase != "apply":
                created = imports.create(
                    admin,
                    ImportRequest(
                        format=ImportFormat.DATA_INCLUSION_JSON, source="bench", status="online"
                    ),
                )
                job_id = created.job.id
                s3.put_object(Bucket=BUCKET, Key=file_key(job_id), Body=body)
            started, cpu = time.perf_counter(), time.process_time()
            with counting(counter), counting_searches(counter):
                if phase == "apply":
                    view = imports.apply(admin, job_id, expected_version=version)
                else:
                    view = imports.dry_run(admin, job_id)
            phases[phase] = _phase(counter, started, cpu)
            summary = view.job.summary
            if view.job.status is ImportStatus.FAILED or summary is None:
                raise RuntimeError(f"{phase}: {view.job.file_errors}")
            phases[phase]["summary"] = {k: v for k, v in summary.model_dump().items() if v}
            version = view.job.version
        applied = phases["apply"]
        places = phases["apply"]["summary"].get("created", 0)
        if places != phases["dry_run"]["summary"].get("new"):
            raise RuntimeError("not every new place was created")
        applied["per_place"] = {
            "places": places,
            "transactions": round(applied["calls"].get("TransactWriteItems", 0) / places, 3),
            "items_written_all_tables": round(applied["items_written"] / places, 2),
            "base_tables_wcu_incl_transaction_doubling": round(
                applied["base_table_wcu"] / places, 2
            ),
            "ms_moto": round(applied["seconds_moto"] * 1000 / places, 1),
            "wcu_by_table": {
                table: round(units / places, 2) for table, units in counter.by_table.items()
            },
        }
        figures["phases"] = phases
    return figures


def main() -> None:
    figures = {
        "machine_note": "moto in-process on this machine (2 cores shared); see the docstring",
        **run(SERVICES),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
