"""Uploads a file with tuspy (the real PyPI client) and prints the upload URL.

Usage: python tus_upload.py <endpoint> <file> <chunk-bytes> <api-key> <metadata-json>
"""

import json
import sys
import time

from tusclient import client
from tusclient.exceptions import TusCommunicationError

# What `wrangler dev`'s own proxy (not the Worker) answers, with 503 and `Retry-After: 0`, when its
# connection to the local runtime broke (workers-sdk#15203): it asks clients to send the request
# again, as tests/src/client.rs does. tuspy retries chunks but never its creation POST.
DEV_PROXY_RETRY = b"Your worker restarted mid-request."


def main(endpoint, path, chunk_size, api_key, metadata):
    tus = client.TusClient(endpoint, headers={"Authorization": f"Bearer {api_key}"})
    uploader = tus.uploader(path, chunk_size=int(chunk_size), metadata=json.loads(metadata), retries=0)
    for attempt in range(3):
        try:
            uploader.set_url(uploader.create_url())
            break
        except TusCommunicationError as error:
            proxy_lost_it = error.status_code == 503 and (error.response_content or b"").startswith(DEV_PROXY_RETRY)
            if not proxy_lost_it or attempt == 2:
                raise
            time.sleep(0.2)
    uploader.offset = 0
    uploader.upload()
    print(uploader.url)


if __name__ == "__main__":
    main(*sys.argv[1:])
