"""Files attached to transactions through ``/upload``: listed by the record they are attached to, QuickBooks'
size and type limits, deletion."""

import json

import pytest
import requests

from quickbooks_connector.emulator import attachments

from .support import fault_of, make_customer, make_invoice, make_item, ok, sales_line

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(api, file_name: str, content: bytes, content_type: str, *refs: tuple[str, str]) -> dict:
	metadata = {
		"FileName": file_name,
		"ContentType": content_type,
		"AttachableRef": [{"EntityRef": {"type": kind, "value": value}} for kind, value in refs],
	}
	response = api.session.post(
		f"{api.company_url}/upload",
		files={
			"file_metadata_01": (None, json.dumps(metadata), "application/json"),
			"file_content_01": (file_name, content, content_type),
		},
		timeout=30,
	)
	return ok(response)["AttachableResponse"][0]


def attached_to(api, entity: str, qbo_id: str) -> list[dict]:
	statement = (
		f"select * from Attachable where AttachableRef.EntityRef.Type = '{entity}' "
		f"and AttachableRef.EntityRef.value = '{qbo_id}'"
	)
	return api.query(statement).get("Attachable", [])


@pytest.fixture
def two_invoices(api):
	customer, item = make_customer(api), make_item(api)
	return [make_invoice(api, customer["Id"], [sales_line(item["Id"], 1, 100)]) for _ in range(2)]


def test_a_record_s_attachments_are_listed_by_its_reference(api, two_invoices):
	first, second = two_invoices
	mine = upload(api, "SINV-1.pdf", PDF, "application/pdf", ("Invoice", first["Id"]))["Attachable"]
	upload(api, "SINV-2.pdf", PDF, "application/pdf", ("Invoice", second["Id"]))
	link = api.get(f"download/{mine['Id']}").text

	assert [row["Id"] for row in attached_to(api, "Invoice", first["Id"])] == [mine["Id"]]
	assert attached_to(api, "Bill", first["Id"]) == []
	assert mine["Size"] == len(PDF) and mine["ContentType"] == "application/pdf"
	assert requests.get(link, timeout=30).content == PDF


def test_a_file_attached_to_two_records_is_listed_for_each(api, two_invoices):
	first, second = two_invoices
	both = upload(
		api, "both.pdf", PDF, "application/pdf", ("Invoice", first["Id"]), ("Invoice", second["Id"])
	)["Attachable"]

	assert [row["Id"] for row in attached_to(api, "Invoice", second["Id"])] == [both["Id"]]


def test_files_over_100_mb_or_of_unknown_types_are_refused_in_their_slot(api, two_invoices, monkeypatch):
	invoice = two_invoices[0]
	monkeypatch.setattr(attachments, "MAX_FILE_SIZE", len(PDF) - 1)
	too_big = upload(api, "big.pdf", PDF, "application/pdf", ("Invoice", invoice["Id"]))
	monkeypatch.undo()
	program = upload(api, "tool.exe", b"MZ", "application/octet-stream", ("Invoice", invoice["Id"]))

	assert too_big["Fault"]["Error"][0]["code"] == "2010"
	assert "100 MB" in too_big["Fault"]["Error"][0]["Detail"]
	assert program["Fault"]["Error"][0]["code"] == "2010"
	assert attached_to(api, "Invoice", invoice["Id"]) == []


def test_a_file_for_a_missing_record_is_refused(api):
	answer = upload(api, "x.pdf", PDF, "application/pdf", ("Invoice", "9999"))

	assert answer["Fault"]["Error"][0]["code"] == "2500"


def test_a_deleted_attachable_is_no_longer_listed_or_readable(api, two_invoices):
	invoice = two_invoices[0]
	attachable = upload(api, "a.pdf", PDF, "application/pdf", ("Invoice", invoice["Id"]))["Attachable"]
	deleted = ok(
		api.session.post(
			f"{api.company_url}/attachable",
			params={"operation": "delete"},
			json={"Id": attachable["Id"], "SyncToken": attachable["SyncToken"]},
			timeout=30,
		)
	)["Attachable"]

	assert deleted["status"] == "Deleted"
	assert attached_to(api, "Invoice", invoice["Id"]) == []
	assert fault_of(api.get(f"attachable/{attachable['Id']}"))["code"] == "610"


def test_the_same_upload_request_id_replays_the_first_attachable(api, two_invoices):
	invoice = two_invoices[0]
	boundary = "fixed-boundary-for-replay"
	metadata = json.dumps(
		{"FileName": "r.pdf", "AttachableRef": [{"EntityRef": {"type": "Invoice", "value": invoice["Id"]}}]}
	)
	body = (
		(
			f'--{boundary}\r\nContent-Disposition: form-data; name="file_metadata_01"\r\n'
			f"Content-Type: application/json\r\n\r\n{metadata}\r\n"
			f'--{boundary}\r\nContent-Disposition: form-data; name="file_content_01"; filename="r.pdf"\r\n'
			"Content-Type: application/pdf\r\n\r\n"
		).encode()
		+ PDF
		+ f"\r\n--{boundary}--\r\n".encode()
	)

	def send() -> dict:
		response = api.session.post(
			f"{api.company_url}/upload",
			params={"requestid": "upload-r-1"},
			data=body,
			headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
			timeout=30,
		)
		return ok(response)["AttachableResponse"][0]["Attachable"]

	assert send()["Id"] == send()["Id"]
	assert len(attached_to(api, "Invoice", invoice["Id"])) == 1
