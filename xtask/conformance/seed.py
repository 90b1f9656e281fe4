"""Seeds the conformance server with one of each object an admin works on and writes a
schemathesis config that names them, so that operations on `/tickets/{id}`,
`/certificates/{id}`… reach their logic instead of answering 404 to random ids.

DELETE operations get objects of their own (deleted once: 2xx, then 404). The sign-in
operations get the seeded client's credentials as examples.

usage: seed.py BASE_URL ADMIN_TOKEN CONFIG_OUT
"""

import datetime
import json
import sys
import urllib.error
import urllib.request

BASE, TOKEN, OUT = sys.argv[1].rstrip("/") + "/api/v1", sys.argv[2], sys.argv[3]


def call(method, path, body=None, token=TOKEN, content_type="application/json", raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req) as res:
            text = res.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        sys.exit(f"seed: {method} {path} answered {err.code}: {err.read()[:300]!r}")


today = datetime.date.today()
first_of_next = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
month_after = (first_of_next + datetime.timedelta(days=32)).replace(day=1)


def customer(name):
    c = call("POST", "/customers", {"name": name})
    call("POST", f"/customers/{c['id']}/contracts", {
        "tier_code": "premium_plus", "number": f"Д-{name}",
        "starts_on": today.replace(month=1, day=1).isoformat(),
        "ends_on": today.replace(year=today.year + 1, month=12, day=31).isoformat(),
    })
    return c["id"]


main = customer("Конформность")
team = call("POST", f"/customers/{main}/teams", {"name": "Эксплуатация"})["id"]
spare_team = call("POST", f"/customers/{main}/teams", {"name": "Удаляемая"})["id"]
contracts = call("GET", f"/customers/{main}/contracts")["items"]
spare_contract = call("POST", f"/customers/{main}/contracts", {
    "tier_code": "premium_plus", "number": "Д-удаляемый",
    "starts_on": (today.replace(year=today.year + 2, month=1, day=1)).isoformat(),
    "ends_on": (today.replace(year=today.year + 2, month=12, day=31)).isoformat(),
})["id"]
password = "conformance-client-1"
created = call("POST", f"/customers/{main}/clients", {
    "email": "key@conformance.test", "full_name": "Ключевой Клиент", "password": password,
    "is_key_contact": True, "team_id": team,
})
client = created.get("id") or created.get("user", {}).get("id")
client_token = call("POST", "/auth/login", {"email": "key@conformance.test", "password": password}, token=None)["access_token"]
ticket = call("POST", "/tickets", {"category": "consultation", "subject": "Конформность", "body": "Вопрос"}, token=client_token)["id"]
order = call("POST", "/tickets", {"category": "service_request", "subject": "Работы", "body": "Нужны работы"}, token=client_token)["id"]
estimate = call("POST", f"/tickets/{order}/estimates", {"hours": 4, "starts_on": first_of_next.isoformat()})
estimate_id = (estimate.get("estimates") or [{}])[-1].get("id")
attachment = call("POST", f"/tickets/{ticket}/attachments?name=report.pdf", raw=b"%PDF-1.4\n%%EOF\n",
                  content_type="application/pdf")["id"]
certificate = call("POST", "/certificates", {
    "customer_id": main, "number": "С-1", "hours": 100,
    "valid_from": today.replace(month=1, day=1).isoformat(),
    "valid_until": today.replace(year=today.year + 1, month=12, day=31).isoformat(),
})["id"]
specialist = call("POST", "/staff", {
    "email": "specialist@conformance.test", "full_name": "Специалист", "role": "specialist",
    "password": "conformance-staff-1",
})
specialist_id = specialist.get("id") or specialist.get("user", {}).get("id")
call("PUT", f"/specialists/{specialist_id}", {"weekly_hours": 40})
bookings = [call("POST", "/bookings", {"customer_id": main, "month": m.strftime("%Y-%m"), "hours": 2})["id"]
            for m in (month_after, month_after)]
webhook = call("POST", "/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["ticket.created"]})["id"]
spare_webhook = call("POST", "/webhooks", {"url": "http://127.0.0.1:9/spare", "events": ["ticket.created"]})["id"]

ids = {
    "/tickets/{id}": ticket, "/customers/{id}": main, "/teams/{id}": team, "/contracts/{id}": contracts[0]["id"],
    "/certificates/{id}": certificate, "/bookings/{id}": bookings[0], "/webhooks/{id}": webhook,
    "/users/{id}": client, "/attachments/{id}": attachment, "/specialists/{id}": specialist_id,
}
# By operation id: within one entry, schemathesis takes a path filter or a method filter.
deletes = {"delete_team": spare_team, "delete_contract": spare_contract, "cancel_booking": bookings[1],
           "delete_webhook": spare_webhook}

# The first entry that matches an operation names its ids: the specific ones come first.
lines = ["# Written by xtask/conformance/seed.py for one conformance run: the seeded objects' ids."]
if estimate_id:
    lines += ["", "[[operations]]", 'include-path-regex = "^/tickets/\\\\{id\\\\}/estimates/"',
              f'parameters = {{ "path.id" = "{order}", "path.estimate" = "{estimate_id}" }}']
lines += ["", "[[operations]]", 'include-path-regex = "^/tickets/\\\\{id\\\\}/(order|work-logs|estimates)$"',
          f'parameters = {{ "path.id" = "{order}" }}']
for operation_id, value in deletes.items():
    lines += ["", "[[operations]]", f'include-operation-id = "{operation_id}"',
              f'parameters = {{ "path.id" = "{value}" }}']
for prefix, value in ids.items():
    regex = "^" + prefix.replace("{", "\\\\{").replace("}", "\\\\}")
    lines += ["", "[[operations]]", f'include-path-regex = "{regex}"', 'exclude-method = "DELETE"',
              f'parameters = {{ "path.id" = "{value}" }}']
with open(OUT, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
print(f"seed: customer {main}, ticket {ticket}, order {order}, certificate {certificate}, {len(ids)} paths named")
