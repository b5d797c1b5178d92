"""Viewers as accounts' get_session answers them, for the gateway tests."""
UAI_A, UAI_B = "0750001A", "0750002B"


def child(eleve_id, prenom, uai=UAI_A, tiles=()):
    return {"eleve_id": eleve_id, "prenom": prenom, "nom": "MARTIN", "date_naissance": "2012-04-04",
            "classe": "5A", "etablissement_uai": uai, "etablissement_nom": f"Collège {uai}",
            "etablissement_message": "", "eleve_majeur": False, "tiles": list(tiles)}


def responsable(*children, account_id=1):
    return {"id": account_id, "role": "responsable", "identifiant": "p.martin", "prenom": "Philippe",
            "nom": "MARTIN", "children": list(children), "must_change_password": False,
            "must_confirm_email": False, "previous_login_at": None}


def staff(uai, account_id=50, role="staff"):
    return {"id": account_id, "role": role, "identifiant": "a.proviseur", "prenom": "Anne", "nom": "PROVISEUR",
            "children": [], "etablissement_uai": uai if role == "staff" else None,
            "domaines": ["etablissement", "vie_scolaire"],
            "must_change_password": False, "must_confirm_email": False, "previous_login_at": None}


def log_in(client, fake_rpc, viewer):
    """The browser holds a session token; accounts answers this viewer for it."""
    with client.session_transaction() as session:
        session["t"] = "jeton"
    fake_rpc.answers[("accounts", "get_session")] = lambda token, with_tiles=False: viewer
