"""Who may use a shared dashboard and what each may do: users with scrypt-hashed passwords in a
users file beside the store (`ticketloop-users.toml`, readable by its owner only), their roles
(viewer, analyst, lead) and the writes each role may make."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from store.errors import TicketloopError

USERS_FILE = "ticketloop-users.toml"
ROLES = ("viewer", "analyst", "lead")  # each may do what the ones before it may
# The writes of the dashboard and the least role that may make them.
ACTIONS = {
    "upload": "analyst",
    "map": "analyst",
    "rename": "analyst",
    "delete": "analyst",
    "settings": "lead",
    "change": "lead",
}
# scrypt's cost (n=2**14, r=8: 16 MB and about 50 ms a check), as OWASP recommends at least.
_N, _R, _P = 2**14, 8, 1
_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")


@dataclass(frozen=True)
class User:
    name: str
    role: str


def users_path(db: Path) -> Path:
    """The users file of the store at `db`: beside it."""
    return Path(db).resolve().with_name(USERS_FILE)


def read_users(path: Path) -> dict[str, dict[str, str]]:
    """name -> {role, password} from a users file; {} when there is none. TicketloopError naming
    the file when it cannot be read."""
    if not path.exists():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TicketloopError(
            f"{path.name}: cannot be read ({exc}). Fix it, or remove it and add users again:"
            " ticketloop users add NAME --role viewer"
        ) from None
    users = doc.get("users", {})
    bad = [n for n, u in users.items() if not isinstance(u, dict) or u.get("role") not in ROLES]
    if bad:
        raise TicketloopError(
            f"{path.name}: user '{bad[0]}' has no role of {', '.join(ROLES)}. Add it again:"
            f" ticketloop users add {bad[0]} --role viewer"
        )
    return users


def add_user(path: Path, name: str, role: str, password: str) -> None:
    """Add or replace user `name` with `role`, keeping only a salted hash of `password`; the
    file is made readable by its owner only."""
    if not _NAME.fullmatch(name):
        raise TicketloopError(
            f"user name '{name}': use 1 to 64 letters, digits, dots, dashes, @ or underscores"
        )
    if role not in ROLES:
        raise TicketloopError(f"role '{role}': give one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise TicketloopError("the password is shorter than 8 characters. Give a longer one")
    users = read_users(path)
    users[name] = {"role": role, "password": hash_password(password)}
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(tomli_w.dumps({"users": users}), encoding="utf-8")


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash` (base64) of `password` with a new random salt."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def sign_in(users: dict[str, dict[str, str]], name: str, password: str) -> User | None:
    """The user `name` if `password` is theirs; None otherwise (an unknown name costs a hash too,
    so timing does not tell which names exist)."""
    stored = users.get(name, {}).get("password", "scrypt$16384$8$1$AAAA$AAAA")
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        mine = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return None
    if kind == "scrypt" and name in users and hmac.compare_digest(mine, base64.b64decode(digest)):
        return User(name, users[name]["role"])
    return None


def may(role: str, action: str, *, read_only: bool = False) -> bool:
    """Whether `role` may make the write `action` (ACTIONS); nobody writes when `read_only`."""
    return not read_only and ROLES.index(role) >= ROLES.index(ACTIONS[action])


def is_local(address: str) -> bool:
    """Whether a server address is reachable from this machine only (a loopback address)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
