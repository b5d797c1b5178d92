"""Staff and operator accounts, created by an académie operator (no letter:
the operator hands over the provisional password shown once)."""
from sqlalchemy import select

from common.errors import ValidationError
from common.schemas import load_or_raise
from services.accounts import audit, importing, letters
from services.accounts.models import Account, Etablissement
from services.accounts.passwords import generate_provisional_password, hash_password
from services.accounts.schemas import StaffAccountSchema


def create(db, payload, now) -> dict:
    data = load_or_raise(StaffAccountSchema(), payload)
    if data["etablissement_uai"] and db.get(Etablissement, data["etablissement_uai"]) is None:
        raise ValidationError({"etablissement_uai": ["Établissement inconnu."]})
    password = generate_provisional_password()
    staff = data["role"] == "staff"
    account = Account(
        identifiant=importing.IdentifierAllocator(db).allocate(data["prenom"], data["nom"]),
        role=data["role"], etablissement_uai=data["etablissement_uai"] if staff else None,
        fonction=data["fonction"] if staff else None, nom=data["nom"], prenom=data["prenom"],
        email=data["email"], created_at=now, password_hash=hash_password(password),
        password_provisional=True, provisional_issued_at=now)
    db.add(account)
    db.flush()
    audit.record(db, account, "created", now, detail=f"{data['role']} créé par un opérateur")
    return {"account_id": account.id, "identifiant": account.identifiant, "password": password,
            "valid_until": letters.last_valid_day(letters.letter_valid_until(account))}


def listing(db) -> list[dict]:
    rows = db.scalars(select(Account).where(Account.role.in_(("staff", "operator")))
                      .order_by(Account.etablissement_uai, Account.nom, Account.prenom)).all()
    return [{"identifiant": a.identifiant, "role": a.role, "etablissement_uai": a.etablissement_uai,
             "fonction": a.fonction, "nom": a.nom, "prenom": a.prenom,
             "activated": a.activated_at is not None} for a in rows]
