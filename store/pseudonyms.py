"""Keyed pseudonyms for people: the key kept beside the store (never in it), and the text scrubber
that replaces names, e-mails, phone and card numbers with stable pseudonyms.

A pseudonym is HMAC-SHA256 of the normalised value under the key: the same person gets the same
pseudonym across files and loads, and no one without the key can tell who it is.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from store.errors import TicketloopError

KEY_FILE = "ticketloop.key"
KEY_ENV = "TICKETLOOP_KEY"
_HEX = 12  # 48 bits: no two of a million people share a pseudonym but by a 1-in-500 chance

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# "Jane Doe <jane.doe@example.com>", '"Doe, Jane" <...>': the name goes with its address.
NAMED_EMAIL = re.compile(
    rf"(?:\"[^\"<>]{{1,80}}\"\s*|(?:[A-ZÀ-Þ][\w'.-]*\s+){{1,3}})?<?({_EMAIL})>?"
)
# A card: 13-19 digits, in groups or not, whose Luhn check holds.
CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
# A phone: digit groups with separators (or a leading + or 00), 7 to 15 digits in all.
PHONE = re.compile(
    r"(?<![\w+.:/-])(?:\+|00)?\(?\d{1,4}\)?(?:[ .\-]\(?\d{1,8}\)?){1,5}(?![\w:/]|[.\-]\d)"
)
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}\b.*|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}\b.*")
_WORD = re.compile(r"[^\W_][\w'.-]*")
_NAME = re.compile(r"[^\W\d_][^\W\d]*(?:[ '.-]+[^\W\d_][^\W\d]*){1,3}\.?")
# A column whose values are customers: requester, customer, caller, reporter (and their id,
# name, e-mail or phone), as the readers and common exports call them.
_PERSON_COLUMN = re.compile(
    r"(requester|customer|caller|reporter|submitter|contact)"
    r"( (id|name|email|e-mail|mail|phone|address))?"
)


def load_key(db_path: Path | str) -> bytes:
    """The pseudonym key: `$TICKETLOOP_KEY`, else `ticketloop.key` beside the store, created
    (readable by its owner only) on first use."""
    if chosen := os.environ.get(KEY_ENV):
        return chosen.encode()
    path = Path(db_path).resolve().with_name(KEY_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            return path.read_bytes().strip()
        except OSError as exc:
            raise TicketloopError(
                f"{path}: the pseudonym key cannot be read ({exc.strerror}). Give its owner's"
                f" rights back, or set ${KEY_ENV}"
            ) from None
    key = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def is_person_column(header: str) -> bool:
    """Whether a column holds customers (by its name, `case:` prefix and case ignored)."""
    name = re.sub(r"[\s_]+", " ", header.removeprefix("case:").strip().lower())
    return _PERSON_COLUMN.fullmatch(name) is not None


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _normal(value: str) -> str:
    return " ".join(value.casefold().split())


class Pseudonymiser:
    """Replaces people with pseudonyms under one key. `names`: the customers' names met so far
    (normalised), replaced wherever they appear in text."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.names: set[str] = set()

    def pseudonym(self, value: str, kind: str = "person") -> str:
        """`kind-<hex>` of the normalised value: the same person, the same pseudonym."""
        digest = hmac.new(self.key, _normal(value).encode(), hashlib.sha256).hexdigest()
        return f"{kind}-{digest[:_HEX]}"

    def person(self, value: str | None) -> str | None:
        """A customer column's value: with its e-mails and phones pseudonymised when it has any,
        else its name's pseudonym."""
        scrubbed = self.scrub(value)
        return scrubbed if scrubbed != value or value is None else self.pseudonym(value)

    def learn(self, names: Iterable[str | None]) -> None:
        """Remember customers' names: values of customer columns that read as a person's name
        (two to four words of letters), not codes such as the public Helpdesk log's "Value 1"
        that other columns share."""
        self.names.update(_normal(n) for n in names if n and _NAME.fullmatch(n.strip()))

    def scrub(self, text: str | None) -> str | None:
        """`text` with every e-mail (and the name before it), card, phone number and known name
        replaced by its pseudonym."""
        if not text:
            return text
        text = NAMED_EMAIL.sub(lambda m: self.pseudonym(m.group(1)), text)
        text = CARD.sub(self._card, text)
        text = PHONE.sub(self._phone, text)
        return self._names(text) if self.names else text

    def _card(self, match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return self.pseudonym(digits, "card") if _luhn(digits) else match.group(0)

    def _phone(self, match: re.Match[str]) -> str:
        found = match.group(0)
        digits = re.sub(r"\D", "", found)
        if not 7 <= len(digits) <= 15 or _DATE.fullmatch(found):
            return found
        separators = re.findall(r"(?<=\d)[ .\-()]+(?=\d)", found)
        if found[0] not in "+0(" and not separators:
            return found
        if separators == ["."]:  # a decimal number, not a phone
            return found
        return self.pseudonym(digits, "phone")

    def _names(self, text: str) -> str:
        """Known names of two to four words, and a whole value that is a known name."""
        if _normal(text) in self.names:
            return self.pseudonym(text)
        words = list(_WORD.finditer(text))
        out, last, i = [], 0, 0
        while i < len(words):
            for n in (4, 3, 2):
                span = words[i : i + n]
                if len(span) == n and _normal(" ".join(w.group(0) for w in span)) in self.names:
                    start, end = span[0].start(), span[-1].end()
                    out += [text[last:start], self.pseudonym(text[start:end])]
                    last, i = end, i + n
                    break
            else:
                i += 1
        return "".join(out) + text[last:] if out else text
