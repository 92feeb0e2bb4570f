"""Stored files under generated names only, on one of two backends (docs/design.md#uploads).

A key is `<32 hex digits>.<ext>` (a variant such as a thumbnail adds `.thumb`); nothing a client
sends ever becomes part of a path or an object name. A file lives at `<area>/<first two
digits>/<key>`: under `MEDIA_ROOT` on the local filesystem (`MEDIA_STORAGE=local`, the embedded
default) or as an object in an S3-compatible bucket (`MEDIA_STORAGE=s3`: MinIO, Ceph, AWS), which
several workers on several machines share.

Callers use the module functions (`write`, `write_file`, `delete`, `size_of`); `backend()` gives
the configured backend for what only one of them can do (a local path, a presigned URL).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}(\.[a-z]+)?\.[a-z0-9]{1,8}$")
AREA_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def new_key(ext: str) -> str:
    """A fresh, unguessable file name with the given extension."""
    return f"{secrets.token_hex(16)}.{ext}"


def variant_key(key: str, variant: str) -> str:
    """`abc….jpg` → `abc….thumb.jpg`."""
    stem, _, ext = key.rpartition(".")
    return f"{stem}.{variant}.{ext}"


def relative_path(area: str, key: str) -> str:
    """`<area>/<first two digits>/<key>`; a malformed area or key is a programming error (ValueError)."""
    if not AREA_PATTERN.match(area) or not KEY_PATTERN.match(key):
        raise ValueError(f"not a media key: {area}/{key}")
    return f"{area}/{key[:2]}/{key}"


class Storage(Protocol):
    """What both backends do."""

    def write(self, area: str, key: str, data: bytes, content_type: str) -> None: ...

    def write_file(self, area: str, key: str, source: Path, content_type: str) -> None: ...

    def delete(self, area: str, key: str) -> None: ...

    def size_of(self, area: str, key: str) -> int | None: ...


class LocalStorage:
    """Files under `root` (MEDIA_ROOT), outside the static folder, written atomically."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, area: str, key: str) -> Path:
        return self.root / relative_path(area, key)

    def _replace_into(self, area: str, key: str, fill) -> None:
        path = self.path_for(area, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        try:
            fill(partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def write(self, area: str, key: str, data: bytes, content_type: str) -> None:
        self._replace_into(area, key, lambda partial: partial.write_bytes(data))

    def write_file(self, area: str, key: str, source: Path, content_type: str) -> None:
        self._replace_into(area, key, lambda partial: shutil.copyfile(source, partial))

    def delete(self, area: str, key: str) -> None:
        self.path_for(area, key).unlink(missing_ok=True)

    def size_of(self, area: str, key: str) -> int | None:
        try:
            return self.path_for(area, key).stat().st_size
        except FileNotFoundError:
            return None


class S3Storage:
    """Objects in an S3-compatible bucket; readers get short-lived presigned URLs.

    `endpoint_url` is where Campus reaches the store; `public_endpoint_url` (if set) is the address
    browsers use for presigned URLs, when it differs (an internal MinIO behind a public name).
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        public_endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
        url_seconds: int = 60,
    ):
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.url_seconds = url_seconds
        self.public_endpoint_url = public_endpoint_url or endpoint_url
        options = {
            "region_name": region or "us-east-1",
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            # Path-style addressing works with MinIO, Ceph and AWS alike; SigV4 for presigned URLs.
            "config": BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}),
        }
        session = boto3.session.Session()
        self.client = session.client("s3", endpoint_url=endpoint_url, **options)
        self.public_client = (
            session.client("s3", endpoint_url=self.public_endpoint_url, **options)
            if public_endpoint_url and public_endpoint_url != endpoint_url
            else self.client
        )

    def object_name(self, area: str, key: str) -> str:
        return self.prefix + relative_path(area, key)

    def write(self, area: str, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.object_name(area, key), Body=data, ContentType=content_type)

    def write_file(self, area: str, key: str, source: Path, content_type: str) -> None:
        # Multipart for large files, in parts of 8 MB; an object appears whole or not at all.
        with open(source, "rb") as body:
            self.client.upload_fileobj(
                body, self.bucket, self.object_name(area, key), ExtraArgs={"ContentType": content_type}
            )

    def delete(self, area: str, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_name(area, key))

    def size_of(self, area: str, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.object_name(area, key))["ContentLength"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def presigned_url(self, area: str, key: str, *, mime: str, disposition: str) -> str:
        """A GET URL valid for `url_seconds`, answering with our content type and disposition."""
        return self.public_client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.object_name(area, key),
                "ResponseContentType": mime,
                "ResponseContentDisposition": disposition,
                "ResponseCacheControl": "private, max-age=60",
            },
            ExpiresIn=self.url_seconds,
        )

    def ensure_bucket(self) -> None:
        """Create the bucket when it is missing (`flask media create-bucket`, tests)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)


def _build(app: Flask) -> Storage:
    config = app.config
    kind = (config.get("MEDIA_STORAGE") or "local").lower()
    if kind == "local":
        return LocalStorage(config["MEDIA_ROOT"])
    if kind == "s3":
        if not config.get("MEDIA_S3_BUCKET"):
            raise RuntimeError("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET.")
        return S3Storage(
            config["MEDIA_S3_BUCKET"],
            endpoint_url=config.get("MEDIA_S3_ENDPOINT_URL"),
            public_endpoint_url=config.get("MEDIA_S3_PUBLIC_ENDPOINT_URL"),
            region=config.get("MEDIA_S3_REGION"),
            access_key_id=config.get("MEDIA_S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("MEDIA_S3_SECRET_ACCESS_KEY"),
            prefix=config.get("MEDIA_S3_PREFIX") or "",
            url_seconds=int(config.get("MEDIA_S3_URL_SECONDS") or 60),
        )
    raise RuntimeError(f"MEDIA_STORAGE must be local or s3, not {kind!r}")


def init_app(app: Flask) -> None:
    """Build the configured backend once (a bad setting stops the start-up) and let the pages'
    Content Security Policy load media from the bucket's public address."""
    store = _build(app)
    app.extensions["campus_storage"] = store
    if isinstance(store, S3Storage) and store.public_endpoint_url:
        parts = urlsplit(store.public_endpoint_url)
        app.config["CSP_MEDIA_SOURCES"] = [f"{parts.scheme}://{parts.netloc}"]


def backend() -> Storage:
    """The app's storage backend."""
    store = current_app.extensions.get("campus_storage")
    if store is None:  # an app built without init_app (a script): the configured one
        init_app(current_app)
        store = current_app.extensions["campus_storage"]
    return store


def path_for(area: str, key: str) -> Path:
    """Where a key's file lives on the local backend (whatever backend is configured)."""
    return Path(current_app.config["MEDIA_ROOT"]) / relative_path(area, key)


def write(area: str, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    """Store bytes under a key: readers see the whole file or none of it."""
    backend().write(area, key, data, content_type)


def write_file(area: str, key: str, source: Path, content_type: str = "application/octet-stream") -> None:
    """Store a file's content under a key (streamed, not read into memory)."""
    backend().write_file(area, key, source, content_type)


def delete(area: str, key: str) -> None:
    """Remove a stored file; one that is already gone is no error."""
    backend().delete(area, key)


def size_of(area: str, key: str) -> int | None:
    """The stored file's size in bytes, or None when there is none."""
    return backend().size_of(area, key)
