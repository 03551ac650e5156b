"""The upload endpoint behind presigned URLs (PLATFORM.md §3.1 step 3): no API key, the slot's token instead."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from mlcube_nb.server.services import uploads

router = APIRouter(tags=["uploads"])


@router.post("/upload/{upload_id}", operation_id="upload_file", status_code=204)
async def upload_file(upload_id: str, request: Request) -> Response:
    await uploads.receive(request, upload_id)
    return Response(status_code=204)
