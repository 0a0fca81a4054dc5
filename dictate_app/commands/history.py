"""``dictate-app history [search TEXT | delete ID... | clear] [--export FILE] [--json]``.

Lists the newest utterances, searches them, exports them (txt, csv or json by the file's
extension) or deletes them. Reads while the tray app writes (the database is in WAL mode).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dictate_app.store.history_export import FORMATS


def _common(nested: bool) -> argparse.ArgumentParser:
    """Options accepted before and after the action. In the nested copy the defaults are SUPPRESS:
    argparse would otherwise let a sub-parser's default overwrite a value given before the action."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--limit", type=int, default=50, metavar="N", help="at most N entries (default 50; 0: all)")
    common.add_argument("--export", type=Path, metavar="FILE", help="write the entries to FILE (.txt, .csv, .json)")
    common.add_argument("--format", choices=FORMATS, help="export format when FILE's extension does not say")
    common.add_argument("--json", action="store_true", help="print JSON instead of lines")
    if nested:
        for action in common._actions:
            action.default = argparse.SUPPRESS
    return common


def register(subparsers) -> None:
    parser = subparsers.add_parser("history", parents=[_common(False)], help="list, search, export or delete past dictations")
    parser.set_defaults(run=run, history_action="list")
    actions = parser.add_subparsers(dest="history_action", metavar="ACTION",
                                    help="none: list the latest entries (--export writes them to a file)")
    search = actions.add_parser("search", parents=[_common(True)], help="entries whose text contains every word of TEXT")
    search.add_argument("text", nargs="+", metavar="TEXT", help="the words to look for (any order, any case)")
    delete = actions.add_parser("delete", help="delete entries by id")
    delete.add_argument("ids", nargs="+", type=int, metavar="ID", help="entry ids: the first column of `dictate-app history`")
    clear = actions.add_parser("clear", help="delete every entry")
    clear.add_argument("--yes", action="store_true", help="required: confirms deleting everything")


def run(args) -> int:
    from dictate_app.errors import DictateError
    from dictate_app.store.history import History, default_path

    path = default_path()  # $DICTATE_DATA_DIR moves it
    if args.history_action in ("list", "search") and not path.exists():
        entries = []
    else:
        with History(path) as history:
            if args.history_action == "delete":
                deleted = history.delete(args.ids)
                print(f"deleted {deleted} of {len(args.ids)} entries")
                return 0 if deleted == len(args.ids) else 1
            if args.history_action == "clear":
                if not args.yes:
                    raise DictateError("This deletes the whole history: run `dictate-app history clear --yes`.")
                print(f"deleted {history.clear()} entries")
                return 0
            limit = args.limit if args.limit > 0 else -1  # SQLite: LIMIT -1 means no limit
            if args.history_action == "search":
                entries = history.search(" ".join(args.text), limit)
            else:
                entries = history.recent(limit)
    if args.export:
        from dictate_app.store.history_export import export

        count = export(entries, args.export, args.format)
        print(f"exported {count} entries to {args.export}")
        return 0
    if args.json:
        print(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=1))
        return 0
    if not entries:
        print("no entries" + (" match" if args.history_action == "search" else " yet"))
        return 0
    for e in reversed(entries):  # oldest at the top, newest next to the prompt
        tags = " ".join(x for x in (e.language, e.emotion and e.emotion.lower()) if x)
        print(f"{e.id:>5}  {e.local_time}  [{tags}]  {e.text}")
        if e.ai_mode:  # the AI mode's answer under the words as recognised (or why there is none)
            print(f"{'':>5}  {e.ai_mode}: {e.processed if e.processed and not e.ai_error else e.ai_error}")
    return 0
