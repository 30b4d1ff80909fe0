"""Drive v3, only as far as gspread needs it for spreadsheets (files get/list/create/delete)."""

from __future__ import annotations

import re
from typing import Any

from .calendar import rfc3339
from .errors import bad_request, not_found
from .server import Service, route

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"


class DriveService(Service):
    api = "drive"

    def _file(self, spreadsheet_id: str) -> dict[str, Any]:
        ss = self.fake.sheets.spreadsheets.get(spreadsheet_id)
        if ss is None:
            raise not_found(f"File not found: {spreadsheet_id}.")
        return {
            "kind": "drive#file",
            "id": ss.id,
            "name": ss.props["title"],
            "mimeType": SPREADSHEET_MIME,
            "createdTime": rfc3339(ss.created or self.now()),
            "modifiedTime": rfc3339(ss.modified or self.now()),
        }

    @route("drive.files.get")
    def get(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        return self._file(params["fileId"])

    @route("drive.files.list")
    def list_files(self, params: dict[str, Any], body: Any) -> dict[str, Any]:
        files = [self._file(i) for i in self.fake.sheets.spreadsheets]
        query = params.get("q") or ""
        name = re.search(r"name\s*=\s*'((?:[^'\\]|\\.)*)'", query)
        if name:
            wanted = name.group(1).replace("\\'", "'")
            files = [f for f in files if f["name"] == wanted]
        mime = re.search(r"mimeType\s*=\s*'([^']*)'", query)
        if mime and mime.group(1) != SPREADSHEET_MIME:
            files = []
        return {"kind": "drive#fileList", "incompleteSearch": False, "files": files}

    @route("drive.files.create")
    def create(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        if body.get("mimeType") != SPREADSHEET_MIME:
            raise bad_request("fake_google's Drive only creates Google Sheets files.")
        ss_id = self.fake.sheets.create_spreadsheet(str(body.get("name") or "Untitled"),
                                                    time_zone="Etc/GMT", locale="en_US")
        return {"kind": "drive#file", "id": ss_id, "name": body.get("name") or "Untitled",
                "mimeType": SPREADSHEET_MIME}

    @route("drive.files.delete")
    def delete(self, params: dict[str, Any], body: Any) -> None:
        self._file(params["fileId"])
        del self.fake.sheets.spreadsheets[params["fileId"]]
