"""One place for configuration: environment variables, overridable by CLI flags."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.domain.rules.talks import TalkPolicy

DEFAULT_STORE = "sqlite:///./ledger.sqlite3"
# The most one query may cost (`ledger.api.cost`: about the number of fields its answer can
# hold, ~5 µs each), per role; LEDGER_COST_BUDGETS="VIEWER=100000,ADMIN=2000000" overrides.
DEFAULT_COST_BUDGETS = {
    "ADMIN": 1_000_000,
    "INSPECTOR": 1_000_000,
    "RECORDER": 500_000,
    "APPRAISER": 500_000,
    "BRANCH": 200_000,
    "VIEWER": 200_000,
}


def cost_budgets(text: str) -> dict[str, int]:
    """The default budgets, with "ROLE=N" pairs (comma-separated) overriding them."""
    budgets = dict(DEFAULT_COST_BUDGETS)
    for pair in text.split(","):
        if not pair.strip():
            continue
        role, _, value = pair.partition("=")
        role = role.strip().upper()
        if role not in budgets or not value.strip().isdigit():
            raise ValueError(
                f"LEDGER_COST_BUDGETS: {pair.strip()!r} is not ROLE=N with ROLE one of "
                + ", ".join(budgets)
            )
        budgets[role] = int(value)
    return budgets


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env(name: str, default: str, cast: Callable[[str], Any] = str) -> Any:
    """A setting read from the environment variable `name` when a Settings is made."""
    return field(default_factory=lambda: cast(os.environ.get(name) or default))


def env_flag(name: str, default: bool) -> Any:
    return field(default_factory=lambda: _flag(name, default))


@dataclass
class Settings:
    """Everything the server, the projector and the CLI read from the environment."""

    store: str = field(default_factory=lambda: os.environ.get("LEDGER_STORE") or DEFAULT_STORE)
    # JWT signing: a secret in the environment, or a file (see `secret_file`).
    jwt_secret: str | None = field(default_factory=lambda: os.environ.get("LEDGER_JWT_SECRET"))
    jwt_secret_file_setting: Path | None = env(
        "LEDGER_JWT_SECRET_FILE", "", lambda v: Path(v) if v else None
    )
    # Where the ledger keeps its secrets (token secret, digest signing keys); see `home`.
    home_setting: Path | None = env("LEDGER_HOME", "", lambda v: Path(v) if v else None)
    key_dir_setting: Path | None = env("LEDGER_KEY_DIR", "", lambda v: Path(v) if v else None)
    # Automatic witnessing: the process running the projector signs a digest into this
    # directory every so many events or seconds (see `ledger.integrity.witness`).
    digest_dir: Path | None = env("LEDGER_DIGEST_DIR", "", lambda v: Path(v) if v else None)
    digest_every_events: int = env("LEDGER_DIGEST_EVERY", "1000", int)
    digest_every_seconds: float = env("LEDGER_DIGEST_INTERVAL", "3600", float)
    # The `iss` claim of the tokens this ledger issues and accepts.
    token_issuer: str = env("LEDGER_TOKEN_ISSUER", "accountability-ledger")
    host: str = env("LEDGER_HOST", "127.0.0.1")
    port: int = env("LEDGER_PORT", "8000", int)
    # Run the projection runner inside the API process (the default for one machine).
    embedded_projector: bool = env_flag("LEDGER_EMBEDDED_PROJECTOR", True)
    # How long a mutation (or a read with X-Ledger-Min-Position) waits for the read models.
    read_your_writes_timeout: float = env("LEDGER_READ_YOUR_WRITES_TIMEOUT", "5", float)
    # Projections poll the log this often for writes made by other processes.
    poll_interval: float = env("LEDGER_POLL_INTERVAL", "0.05", float)
    # On PostgreSQL, projectors LISTEN for appends and wake at once; the poll is the
    # fallback. Turn off behind a pooler that cannot LISTEN (PgBouncer in transaction mode).
    listen_for_commits: bool = env_flag("LEDGER_LISTEN_FOR_COMMITS", True)
    # Notifications read per projection transaction.
    projection_page_size: int = env("LEDGER_PROJECTION_PAGE_SIZE", "1000", int)
    # Notifications read per transaction of `ledger projections rebuild` (building beside).
    rebuild_page_size: int = env("LEDGER_REBUILD_PAGE_SIZE", "5000", int)
    # Processes `ledger projections rebuild` builds in, each a share of the projectors.
    # Unset: one on SQLite (every part decodes the whole log and the swap copies serially:
    # a second process gained nothing and cost a third more CPU), one per CPU and at most
    # three on PostgreSQL (the server's work overlaps: ~20% faster with two), see
    # `rebuild_parts` and BENCHMARKS "Rebuild in parts".
    rebuild_workers: int | None = env("LEDGER_REBUILD_WORKERS", "", lambda v: int(v) if v else None)
    # Tokens living longer than this are refused (when issued and when presented).
    max_token_days: int = env("LEDGER_MAX_TOKEN_DAYS", "30", int)
    # /metrics answers only with `Authorization: Bearer <this>` when set.
    metrics_token: str | None = env("LEDGER_METRICS_TOKEN", "", lambda v: v or None)
    # /readyz reports not ready while any projection lags the head by more than this.
    ready_max_lag: int = env("LEDGER_READY_MAX_LAG", "1000", int)
    # Per-role cost budgets for one query (see DEFAULT_COST_BUDGETS).
    cost_budgets: dict[str, int] = env("LEDGER_COST_BUDGETS", "", cost_budgets)
    # Seconds one request may run: work stops there (and when the client hangs up).
    request_deadline: float = env("LEDGER_REQUEST_DEADLINE", "10", float)
    # 六必谈: a talk is due this many days after the obligation arises; obligations that
    # arose before LEDGER_TALKS_SINCE (the day the ledger went live) are not owed.
    talk_due_days: int = env("LEDGER_TALK_DUE_DAYS", "30", int)
    talks_since: str | None = env("LEDGER_TALKS_SINCE", "", lambda v: v or None)
    # 函询 replies are due in working days: holidays skipped and weekend days worked (调休),
    # comma-separated ISO dates or FROM..TO ranges.
    holidays: str = env("LEDGER_HOLIDAYS", "")
    workdays: str = env("LEDGER_WORKDAYS", "")
    # Projectors record a heartbeat this often (seconds) while they follow the log; /readyz
    # answers 503 when events wait and no projector has beaten for projector_stale_after.
    heartbeat_interval: float = env("LEDGER_HEARTBEAT_INTERVAL", "2", float)
    projector_stale_after: float = env("LEDGER_PROJECTOR_STALE_AFTER", "15", float)
    # Answers kept by the exact answer cache (ledger.api.answers); 0 turns it off.
    answer_cache: int = env("LEDGER_ANSWER_CACHE", "1024", int)
    log_json: bool | None = field(
        default_factory=lambda: (
            None
            if os.environ.get("LEDGER_LOG_JSON") in (None, "")
            else _flag("LEDGER_LOG_JSON", False)
        )
    )
    allowed_origins: list[str] = field(
        default_factory=lambda: [
            o for o in os.environ.get("LEDGER_ALLOWED_ORIGINS", "").split(",") if o.strip()
        ]
    )

    def talk_policy(self) -> TalkPolicy:
        """The rules of talks and written inquiries as configured (ValueError when malformed)."""
        from ledger.domain.rules.talks import TalkPolicy
        from ledger.domain.rules.workdays import Calendar

        return TalkPolicy(
            due_days=self.talk_due_days,
            since=self.talks_since,
            calendar=Calendar.parse(self.holidays, self.workdays),
        )

    # ------------------------------------------------------------------ where secrets live

    @property
    def home(self) -> Path:
        """LEDGER_HOME; else, for a SQLite store, `.ledger` beside the store's file (so every
        command that names the same store finds the same secrets, from any directory);
        else `~/.ledger`. Never the working directory as such."""
        if self.home_setting is not None:
            return self.home_setting
        url = self.store
        if url.startswith("sqlite:"):
            from ledger.store import parse_store_url

            path = parse_store_url(url).sqlite_path
            if path is not None:
                return path.parent.absolute() / ".ledger"
        return Path.home() / ".ledger"

    @property
    def jwt_secret_file(self) -> Path:
        return self.jwt_secret_file_setting or self.home / "jwt-secret"

    @jwt_secret_file.setter
    def jwt_secret_file(self, value: Path) -> None:
        self.jwt_secret_file_setting = Path(value)

    @property
    def key_dir(self) -> Path:
        """The digest signing keys: LEDGER_KEY_DIR, else HOME/keys."""
        return self.key_dir_setting or self.home / "keys"


def rebuild_parts(settings: Settings, dialect: str) -> int:
    """How many processes a rebuild on this store builds in (LEDGER_REBUILD_WORKERS, else
    the store's default)."""
    if settings.rebuild_workers is not None:
        return settings.rebuild_workers
    return 1 if dialect == "sqlite" else min(os.cpu_count() or 1, 3)
