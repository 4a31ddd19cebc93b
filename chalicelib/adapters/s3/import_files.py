"""Import files and their reports in S3 (implements ``ImportFiles``), under ``imports/`` in
the exports bucket (private; the upload is a presigned PUT that lives minutes).

A file over the limit is never read whole: its size comes from HeadObject first."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.imports.ports import Upload

_MISSING = {"404", "NoSuchKey", "NotFound"}
# S3 answers HeadObject on a missing key with 403 to a role without s3:ListBucket (infra gives
# none: listing would reach the exports too); under imports/ the role may read every key, so a
# 403 there means "nothing uploaded yet".
_HEAD_MISSING = _MISSING | {"403", "Forbidden"}


class S3ImportFiles:
    def __init__(self, client: Any, bucket: str) -> None:
        # ``client``: a boto3 S3 client (typed Any: boto3 ships no type hints here).
        self._client = client
        self._bucket = bucket

    def upload_url(self, key: str, *, expires_in: int) -> str:
        url: str = self._client.generate_presigned_url(
            "put_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in
        )
        return url

    def read(self, key: str, *, max_bytes: int) -> Upload | None:
        from botocore.exceptions import ClientError

        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _HEAD_MISSING:
                return None
            raise
        size = int(head["ContentLength"])
        if size > max_bytes:
            return Upload(size=size, body=None)
        body: bytes = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return Upload(size=len(body), body=body)

    def put_report(self, key: str, body: bytes) -> None:
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            ServerSideEncryption="AES256",
        )

    def get_report(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            body: bytes = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return body
