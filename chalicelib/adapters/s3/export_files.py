"""Rendered export files in S3 (implements ``ExportFiles``).

Objects are private; people download them through presigned GET URLs that live a few minutes
and name the file (Content-Disposition), so the bucket never needs a public policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any


class S3ExportFiles:
    def __init__(self, client: Any, bucket: str) -> None:
        # ``client``: a boto3 S3 client (typed Any: boto3 ships no type hints here).
        self._client = client
        self._bucket = bucket

    def put(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        filename: str,
        metadata: Mapping[str, str],
    ) -> None:
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ContentDisposition=_attachment(filename),
            Metadata=dict(metadata),
            ServerSideEncryption="AES256",
        )

    def put_stream(
        self,
        key: str,
        body: IO[bytes],
        *,
        content_type: str,
        filename: str,
        metadata: Mapping[str, str],
    ) -> None:
        # boto3's managed transfer: a multipart upload in 8 MB parts past 8 MB (at most a few
        # parts in memory at once), a single PUT below.
        self._client.upload_fileobj(
            body,
            self._bucket,
            key,
            ExtraArgs={
                "ContentType": content_type,
                "ContentDisposition": _attachment(filename),
                "Metadata": dict(metadata),
                "ServerSideEncryption": "AES256",
            },
        )

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": _attachment(filename),
            },
            ExpiresIn=expires_in,
        )
        return url


def _attachment(filename: str) -> str:
    # File names are built from codes and ids (ASCII, no quotes): see ExportSpec.filename.
    return f'attachment; filename="{filename}"'
