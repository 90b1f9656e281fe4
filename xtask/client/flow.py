"""An integrator's first hour, through a client generated from the served OpenAPI
document by openapi-python-client (a generator nobody here wrote): sign in, register a
customer with a contract and a client, open a ticket, list tickets, upload a PDF and
download it byte for byte, import two clients from CSV as a dry run, read the overdue
counts. Any answer other than the documented success fails the run.

Run by `cargo xtask test` (step "generated client"); env: REGLAMENT_URL, REGLAMENT_EMAIL,
REGLAMENT_PASSWORD; the generated package `reglament_api_client` on PYTHONPATH.
"""

import datetime
import io
import os
import sys
import uuid

from reglament_api_client import AuthenticatedClient, Client
from reglament_api_client.api.auth import login
from reglament_api_client.api.customers import create_contract, create_customer
from reglament_api_client.api.sla import overdue
from reglament_api_client.api.tickets import create_ticket, download, list_tickets, upload
from reglament_api_client.api.users import create_client, import_clients
from reglament_api_client.models import (
    Attachment,
    Contract,
    CreatedUser,
    CustomerView,
    ImportReport,
    LoginInput,
    NewClient,
    NewContract,
    NewCustomer,
    NewTicket,
    OverdueCounts,
    Problem,
    TicketList,
    TicketView,
    TokenPair,
)
from reglament_api_client.types import File

STEPS = []


def expect(step, answer, kind):
    """The parsed answer of one call, which must be the documented success type."""
    parsed = answer.parsed
    if answer.status_code.value >= 300 or not isinstance(parsed, kind):
        detail = parsed.to_dict() if isinstance(parsed, Problem) else answer.content[:500]
        sys.exit(f"generated client: {step}: HTTP {answer.status_code.value}, expected {kind.__name__}: {detail}")
    STEPS.append(step)
    return parsed


def main():
    base = os.environ["REGLAMENT_URL"].rstrip("/") + "/api/v1"
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    tokens = expect(
        "sign in",
        login.sync_detailed(
            client=anonymous,
            body=LoginInput(email=os.environ["REGLAMENT_EMAIL"], password=os.environ["REGLAMENT_PASSWORD"]),
        ),
        TokenPair,
    )
    admin = AuthenticatedClient(base_url=base, token=tokens.access_token, raise_on_unexpected_status=True)

    run = uuid.uuid4().hex[:8]
    customer = expect(
        "create a customer",
        create_customer.sync_detailed(client=admin, body=NewCustomer(name=f"Интегратор {run}")),
        CustomerView,
    )
    today = datetime.date.today()
    expect(
        "sign a contract",
        create_contract.sync_detailed(
            id=customer.id,
            client=admin,
            body=NewContract(
                tier_code="basic",
                number=f"Д-{run}",
                starts_on=today.replace(month=1, day=1),
                ends_on=today.replace(year=today.year + 1, month=12, day=31),
            ),
        ),
        Contract,
    )
    email = f"client-{run}@integrator.test"
    password = f"client-password-{run}"
    expect(
        "register a client",
        create_client.sync_detailed(
            id=customer.id,
            client=admin,
            body=NewClient(email=email, full_name="Клиент Интегратора", password=password, is_key_contact=True),
        ),
        CreatedUser,
    )
    client_tokens = expect(
        "sign in as the client",
        login.sync_detailed(client=anonymous, body=LoginInput(email=email, password=password)),
        TokenPair,
    )
    client = AuthenticatedClient(base_url=base, token=client_tokens.access_token, raise_on_unexpected_status=True)

    ticket = expect(
        "open a ticket",
        create_ticket.sync_detailed(
            client=client,
            body=NewTicket.from_dict({"category": "consultation", "subject": "Вопрос из клиента", "body": "Как?"}),
        ),
        TicketView,
    )
    listed = expect("list tickets", list_tickets.sync_detailed(client=client), TicketList)
    if ticket.id not in [item.id for item in listed.items]:
        sys.exit(f"generated client: the new ticket {ticket.id} is not in the list")
    STEPS.append("the new ticket is listed")

    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    attachment = expect(
        "upload a PDF",
        upload.sync_detailed(
            id=ticket.id,
            client=client,
            name="report.pdf",
            body=File(payload=io.BytesIO(pdf), file_name="report.pdf", mime_type="application/pdf"),
        ),
        Attachment,
    )
    if attachment.content_type != "application/pdf" or attachment.size != len(pdf):
        sys.exit(f"generated client: the upload was stored as {attachment.content_type}, {attachment.size} bytes")
    downloaded = expect("download it", download.sync_detailed(id=attachment.id, client=client), File)
    if downloaded.payload.read() != pdf:
        sys.exit("generated client: the downloaded file differs from the uploaded one")
    STEPS.append("byte for byte")

    csv = f"full_name,email\nПервый Клиент,first-{run}@integrator.test\nВторой Клиент,second-{run}@integrator.test\n"
    report = expect(
        "import two clients from CSV (dry run)",
        import_clients.sync_detailed(
            id=customer.id,
            client=admin,
            dry_run=True,
            body=File(payload=io.BytesIO(csv.encode()), file_name="clients.csv", mime_type="text/csv"),
        ),
        ImportReport,
    )
    if report.applied or [row.outcome.value for row in report.rows] != ["new", "new"]:
        sys.exit(f"generated client: the dry run answered {report.to_dict()}")

    counts = expect("read the overdue counts", overdue.sync_detailed(client=admin), OverdueCounts)
    if counts.total < 0:
        sys.exit("generated client: a negative overdue count")
    print(f"generated client: {len(STEPS)} steps passed: {', '.join(STEPS)}")


if __name__ == "__main__":
    main()
