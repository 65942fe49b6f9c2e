"""Depth and alias limits that measure each fragment once.

strawberry's `query_depth_limiter` and `max_aliases` validators walk a fragment again at
every spread, so a document of nested fragments that each spread the previous one twice
(`fragment F1 on Unit { ...F0 ...F0 }`, `F2 { ...F1 ...F1 }`, ...) costs 2^n: 20 levels,
about 200 tokens, held a worker for 16 s. This rule measures every fragment once
(memoised) and reports the same errors: depth as strawberry counts it (a root field is
depth 0; introspection fields are left to graphql-core's MaxIntrospectionDepthRule) and
aliases counted as often as they would be executed.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)


def document_limits(max_depth: int, max_aliases: int) -> type[ValidationRule]:
    class DocumentLimits(ValidationRule):
        def enter_document(self, node: Any, *_args: Any) -> None:
            fragments = {
                d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)
            }
            memo: dict[str, tuple[int, int]] = {}

            def measure(selection_set: SelectionSetNode, visiting: frozenset[str]):
                """(depth below this selection set, aliases in it) with fragments expanded."""
                depth = aliases = 0
                for sel in selection_set.selections:
                    if isinstance(sel, FieldNode):
                        if sel.alias:
                            aliases += 1
                        if sel.selection_set and not sel.name.value.startswith("__"):
                            d, a = measure(sel.selection_set, visiting)
                            depth, aliases = max(depth, d + 1), aliases + a
                        elif sel.selection_set:
                            aliases += measure(sel.selection_set, visiting)[1]
                    elif isinstance(sel, InlineFragmentNode):
                        d, a = measure(sel.selection_set, visiting)
                        depth, aliases = max(depth, d), aliases + a
                    elif isinstance(sel, FragmentSpreadNode):
                        name = sel.name.value
                        fragment = fragments.get(name)
                        if fragment is None or name in visiting:
                            continue  # unknown fragments and cycles: the spec rules say so
                        if name not in memo:
                            memo[name] = measure(fragment.selection_set, visiting | {name})
                        d, a = memo[name]
                        depth, aliases = max(depth, d), aliases + a
                return depth, aliases

            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                name = definition.name.value if definition.name else "anonymous"
                depth, aliases = measure(definition.selection_set, frozenset())
                if depth > max_depth:
                    self.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            [definition],
                        )
                    )
                if aliases > max_aliases:
                    self.report_error(
                        GraphQLError(
                            f"{aliases} aliases found. Allowed: {max_aliases}", [definition]
                        )
                    )

    return DocumentLimits
