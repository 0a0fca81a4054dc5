"""``dictate-app rules path|check|apply TEXT``: where the replacement rules live, whether they
parse, and what they do to a sentence (try a rule before dictating with it)."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("rules", help="show, check or try the replacement rules and vocabulary")
    actions = parser.add_subparsers(dest="rules_action", metavar="ACTION", required=True,
                                    help="what to do with rules.txt")
    actions.add_parser("path", help="print the rules file's path (created with a commented template if missing)")
    actions.add_parser("check", help="parse the rules file and report bad lines")
    apply = actions.add_parser("apply", help="print TEXT after the rules")
    apply.add_argument("text", nargs="+", metavar="TEXT", help="the text to correct, as if it had been dictated")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dictate_app.text.rules import ensure_rules_file, load_rules

    if args.rules_action == "path":
        print(ensure_rules_file())
        return 0
    rules = load_rules()
    for problem in rules.problems:
        print(f"warning: {problem}")
    if args.rules_action == "check":
        print(f"{len(rules.rules)} rules, {len(rules.vocabulary.terms)} vocabulary terms, "
              f"{len(rules.problems)} problems")
        return 1 if rules.problems else 0
    print(rules.apply(" ".join(args.text)))
    return 0
