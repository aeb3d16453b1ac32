"""Uploads a file with tuspy (the real PyPI client) and prints the upload URL.

Usage: python tus_upload.py <endpoint> <file> <chunk-bytes> <api-key> <metadata-json>
"""

import json
import sys

from tusclient import client


def main(endpoint, path, chunk_size, api_key, metadata):
    tus = client.TusClient(endpoint, headers={"Authorization": f"Bearer {api_key}"})
    uploader = tus.uploader(path, chunk_size=int(chunk_size), metadata=json.loads(metadata), retries=0)
    uploader.upload()
    print(uploader.url)


if __name__ == "__main__":
    main(*sys.argv[1:])
