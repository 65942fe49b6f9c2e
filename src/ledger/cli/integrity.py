"""CLI commands for inspectors: verify the hash chain (and against a signed digest), signing
keys, digests, export and import of the log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ledger.cli.common import (
    cli_actor,
    console,
    group,
    open_ledger,
    progress_bar,
    settings_from,
)

TAMPERED = 2
CASE_KIND = "Case"  # rm_entities.kind of a case (its aggregate's topic)
EMPTY = 3  # `verify` found no events: nothing was proven (unless --allow-empty)


def _print_json(obj: dict) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False))


def cmd_verify(args: argparse.Namespace) -> int:
    from ledger.integrity import digest as signed
    from ledger.integrity import verify_log
    from ledger.integrity.access import AccessLog

    saved = signed.load_digest(Path(args.digest)) if args.digest else None
    trusted = _trusted_key(args) if saved or args.digests else None
    ledger = open_ledger(args)
    try:
        head = ledger.app.head()
        with progress_bar() as bar:
            task = bar.add_task("re-hashing the log", total=head or 1)
            result = verify_log(
                ledger.app.recorder, on_progress=lambda p: bar.update(task, completed=p)
            )
            access = AccessLog(ledger.app.recorder).verify()
            check = None
            if saved is not None:
                task = bar.add_task("proving consistency with the digest", total=head or 1)
                check = _check_digest(ledger.app.recorder, saved, trusted, bar, task)
                bar.update(task, completed=head or 1)
            kept = None
            if args.digests:
                from ledger.integrity.witness import check_kept

                task = bar.add_task("checking every kept digest", total=None)
                kept = check_kept(ledger.app.recorder, Path(args.digests), trusted)
                bar.update(task, total=1, completed=1)
    finally:
        ledger.close()
    report = {
        "ok": result.ok
        and access["ok"]
        and (check is None or check.ok)
        and (kept is None or kept.ok),
        "checkedEvents": result.checked_events,
        "headPosition": result.head_position,
        "headHash": result.head_hash,
        "firstBadPosition": result.first_bad_position,
        "problem": result.problem,
    }
    report["accessLog"] = access
    empty = report["ok"] and result.checked_events == 0 and not args.allow_empty
    if empty:
        report["ok"] = False
        report["problem"] = "the log is empty: nothing was verified"
    if check is not None:
        report["digest"] = check.as_json()
    if kept is not None:
        report["keptDigests"] = kept.as_json()
    _print_json(report)
    if kept is not None and not kept.ok:
        console.print(
            f"kept digests ({args.digests}): {kept.problem}"
            + (f" ({kept.bad_file})" if kept.bad_file else ""),
            style="red",
            markup=False,
        )
    elif kept is not None:
        console.print(
            f"[green]the log extends all {kept.checked} digests kept in {args.digests} "
            f"(the latest at position {kept.latest_position})"
        )
    if not access["ok"]:
        console.print(
            f"[red]the access log was altered at record {access['firstBadPosition']}: "
            f"{access['problem']}"
        )
    if not result.ok:
        console.print(
            f"[red]tampering detected at position {result.first_bad_position}: {result.problem}"
        )
    if check is not None and not check.ok:
        console.print(f"[red]the log does not extend the digest {args.digest}: {check.problem}")
    elif check is not None:
        console.print(
            f"[green]the log extends the digest of position {check.digest_position} "
            f"(consistency proof of {len(check.consistency_proof)} hashes verified)"
        )
    if empty:
        console.print(
            "[yellow]the log is empty: nothing was verified (is this the right --store? "
            "pass --allow-empty to accept an empty ledger)"
        )
        return EMPTY
    return 0 if report["ok"] else TAMPERED


def key_dir(args: argparse.Namespace) -> Path:
    """--key-dir, else the settings' (LEDGER_KEY_DIR, else LEDGER_HOME/keys)."""
    return Path(args.key_dir) if args.key_dir else settings_from(args).key_dir


def _trusted_key(args: argparse.Namespace):
    """The key digests must be signed with: --public-key, else the local key pair's, if any."""
    from ledger.integrity import digest as signed

    path = Path(args.public_key) if args.public_key else key_dir(args) / signed.PUBLIC_NAME
    if path.exists():
        return signed.load_public(path.read_text(encoding="ascii"))
    if args.public_key:
        from ledger.domain.errors import BadInput

        raise BadInput(f"no public key at {path}")
    console.print(
        "[yellow]no trusted public key (--public-key): checking the digest against the key "
        "it names itself"
    )
    return None


def _check_digest(recorder, saved, trusted, bar, task):
    from ledger.integrity import digest as signed

    problem = signed.signature_problem(saved, trusted)
    if problem:
        return signed.DigestCheck(False, problem, int(saved["position"]), int(saved["treeSize"]))
    return signed.check_log_extends(
        recorder, saved, on_progress=lambda p: bar.update(task, completed=p)
    )


def cmd_keys_create(args: argparse.Namespace) -> int:
    from ledger.integrity import digest as signed

    directory = Path(args.dir) if args.dir else settings_from(args).key_dir
    private, public, encoded = signed.create_keys(directory, force=args.force)
    console.print(f"private key {private} (mode 0600: keep it secret, back it up)")
    console.print(f"public key  {public} (publish it; inspectors check digests with it):")
    print(encoded)
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from ledger.integrity import digest as signed

    key = signed.load_private(Path(args.key) if args.key else key_dir(args) / signed.PRIVATE_NAME)
    ledger = open_ledger(args)
    try:
        with progress_bar() as bar:
            task = bar.add_task("hashing the Merkle tree", total=ledger.app.head() or 1)
            digest = signed.make_digest(
                ledger.app.recorder, key, on_progress=lambda p: bar.update(task, completed=p)
            )
            bar.update(task, completed=ledger.app.head() or 1)
    finally:
        ledger.close()
    text = json.dumps(digest, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        console.print(f"digest of position {digest['position']} saved to {args.out}")
    print(text)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ledger.integrity.transfer import export_to

    ledger = open_ledger(args)
    try:
        head = ledger.app.head()
        _log_export_access(ledger, head)
        out = open(args.to, "w", encoding="utf-8") if args.to else sys.stdout  # noqa: SIM115
        try:
            with progress_bar() as bar:
                task = bar.add_task("exporting the log", total=head or 1)
                count = export_to(
                    ledger.app.recorder, out, on_progress=lambda p: bar.update(task, completed=p)
                )
        finally:
            if args.to:
                out.close()
    finally:
        ledger.close()
    console.print(
        f"exported {count} events up to position {head}" + (f" to {args.to}" if args.to else "")
    )
    return 0


def _log_export_access(ledger, head: int) -> None:
    """The export carries every case's raw events (personal case data): the access log
    records it, naming the cases, before a line is written."""
    from ledger.integrity.access import AccessLog

    ledger.wait_for(head)
    with ledger.reads.read() as tx:
        rows = tx.all("SELECT entity_id FROM rm_entities WHERE kind = ?", (CASE_KIND,))
    cases = {r["entity_id"] for r in rows}
    if cases:
        AccessLog(ledger.app.recorder).append(cli_actor(), "ADMIN", "ledger export", cases)


def cmd_import(args: argparse.Namespace) -> int:
    from ledger.domain.errors import BadInput
    from ledger.integrity.transfer import check_file, ensure_empty, import_file

    path = Path(args.file)
    if not path.is_file():
        raise BadInput(f"no file {path}")
    ledger = open_ledger(args, create=True)
    try:
        recorder = ledger.app.recorder
        ensure_empty(recorder)
        with progress_bar() as bar:
            task = bar.add_task("checking the file's chain", total=None)
            count, last_hash = check_file(path, lambda n: bar.update(task, completed=n))
            bar.update(task, total=count or 1, completed=count or 1)
            task = bar.add_task("importing events", total=count or 1)
            written = import_file(recorder, path, lambda n: bar.update(task, completed=n))
            ledger.runner.reset()
            head = ledger.app.head()
            task = bar.add_task("catching up the read models", total=head or 1)
            ledger.runner.catch_up(on_page=lambda p: bar.update(task, completed=p))
            bar.update(task, completed=head or 1)
        chain = recorder.chain_head()
    finally:
        ledger.close()
    console.print(
        f"imported {written} events up to position {head}; head hash "
        f"{chain['hash'] if chain else '-'} (file: {last_hash}); read models caught up"
    )
    return 0


def register(sub, add) -> None:
    """Add this module's commands to the `ledger` parser (`add(name, help, fn, parent)`)."""

    p = add(
        "verify",
        "re-hash the whole log; exit 2 naming the first bad position (with --digest: also "
        "prove the log extends a saved signed digest)",
        cmd_verify,
    )
    p.add_argument("--digest", help="a digest saved by `ledger digest --out`")
    p.add_argument(
        "--digests",
        metavar="DIR",
        help="check against every digest kept in DIR (LEDGER_DIGEST_DIR: written by the server)",
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="exit 0 on an empty log (otherwise exit 3: an empty log proves nothing)",
    )
    p.add_argument("--public-key", help="the trusted public key (default: KEY_DIR's, if any)")
    p.add_argument("--key-dir", help="default: LEDGER_KEY_DIR, else LEDGER_HOME/keys")

    keys = group(sub, "keys", "Ed25519 keys that sign digests")
    p = add("create", "create a signing key pair and print the public key", cmd_keys_create, keys)
    p.add_argument("--dir", help="default: LEDGER_KEY_DIR, else LEDGER_HOME/keys")
    p.add_argument("--force", action="store_true", help="replace an existing key pair")

    p = add(
        "digest",
        "print a signed digest of the log (position, head hash, RFC 9162 Merkle root, time)",
        cmd_digest,
    )
    p.add_argument("--out", help="also save the digest to this file")
    p.add_argument("--key", help="the private key (default KEY_DIR/ledger-ed25519.key)")
    p.add_argument("--key-dir", help="default: LEDGER_KEY_DIR, else LEDGER_HOME/keys")

    p = add("export", "write the log as JSON Lines, one event per line with its hashes", cmd_export)
    p.add_argument("--to", help="file to write (default: standard output)")

    p = add(
        "import",
        "load an exported log into an EMPTY store (same positions and hashes), then "
        "rebuild the read models",
        cmd_import,
    )
    p.add_argument("file", help="a file written by `ledger export`")
