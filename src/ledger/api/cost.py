"""The static cost of a validated document, computed before anything runs.

cost(selection set) = Σ over its fields of  weight(field) + size(field) × cost(sub-selection)

where a field's `weight` is 1 (a few expensive root fields weigh more, `WEIGHTS`) and a list
field's `size` is its `first` argument when it has one, else the size `LIST_SIZES` names:
the domain's cap where that is small, else a generous figure for a province (about a
thousand units). So the cost is "fields × list sizes": roughly how many fields the answer
could hold, at ~5 µs each. A document over the caller's budget (per role, in settings) is
refused with BAD_INPUT naming its cost and the budget, before a resolver runs.

Aliases count as often as they appear (each alias executes), fragments are costed once
per fragment and multiplied where they are spread, `@skip`/`@include` are ignored (an upper
bound), and introspection weighs 1 per root field (it reads the schema in memory and
graphql-core bounds its depth).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

DEFAULT_LIST_SIZE = 20
PROVINCE = 1000  # units (and, as a generous bound, cases or events of one unit) in a province

# The size each list of objects is costed at, by `Type.field` (lists with a `first`
# argument are costed at it). Every list of objects in the schema is named here: a new
# one must say what it can hold (tests/test_hostile_load.py checks).
LIST_SIZES: dict[str, int] = {
    "Query.units": PROVINCE,
    "Query.cases": PROVINCE,
    "Query.evaluationCycles": 100,  # a few years of one province's cycles
    "Query.findings": PROVINCE,
    "Query.rectifications": PROVINCE,
    "Finding.rectifications": 10,
    "Rectification.steps": 20,
    "Query.history": 200,  # the events of one entity
    "Query.labels": 300,  # every enum value
    "Query.responsibilityTransmission": 10,  # levels below a root
    "Unit.children": 50,
    "Unit.posts": 20,
    "Person.posts": 20,
    "ResponsibilityList.items": 50,
    "ResponsibilityItem.scope": 20,
    "TaskLetter.tasks": 20,
    "EvaluationCycle.units": PROVINCE,
    "EvaluationCycle.results": PROVINCE,
    "EvaluationResult.criteria": 20,
    "EvaluationResult.deductions": 20,
    "EvaluationResult.bonuses": 20,
    "EvaluationResult.vetoReasons": 5,
    "EvaluationResult.pending": 5,
    "Case.decisions": 10,
    "AccountabilityChain.links": 30,
    "AccountabilityChain.gaps": 10,
    "CaseStatistics.byCategory": 20,
    "CaseStatistics.byDiscovery": 20,
    "CaseStatistics.byForm": 20,
    "CaseStatistics.byUnitKind": 20,
    "CaseStatistics.byRank": 20,
    "CaseStatistics.bySource": 20,
}
# The oversight instruments (ledger.api.oversight).
LIST_SIZES.update(
    {
        "Query.riskPosts": PROVINCE,
        "Query.rotationDue": PROVINCE,
        "Query.unitFunctions": 20,  # a unit's function periods
        "Query.principalOversight": PROVINCE,
        "Query.majorDecisions": PROVINCE,
        "Query.dutyReports": PROVINCE,
        "Query.missingDutyReports": PROVINCE,
        "RiskPost.holders": 20,
        "MajorDecision.attendees": 30,  # a leadership team and those attending with it
        "MajorDecision.speakingOrder": 30,
        "MajorDecision.principals": 2,
        "MajorDecision.recusals": 10,
    }
)
# Talks, written inquiries and 六必谈 (ledger.api.talks): pages are sized by `first`; a
# person's file holds at most 500 of each (the query's cap).
LIST_SIZES.update(
    {
        "TalkFile.ratings": 50,  # one a year
        "TalkFile.triggers": 50,
        "TalkFile.obligations": 500,
        "TalkFile.talks": 500,
        "TalkFile.inquiries": 500,
        "TalkObligationSummary.byReason": 6,
        "FourForms.forms": 4,
        "FourForms.talksByKind": 4,
    }
)
# What one field costs besides its sub-selection (1 unless named).
WEIGHTS: dict[str, int] = {
    "Query.verifyLedger": 20_000,  # re-hashes the whole log
    "EvaluationCycle.results": 100,  # the evaluation, computed once per request
    "Query.evaluationResult": 100,
    "Query.accountabilityChain": 20,
    "Case.accountabilityChain": 20,
    "Query.caseStatistics": 50,
    "Query.fourForms": 50,
    "Query.talkObligationSummary": 50,
}
PAGE_ARGUMENTS = ("first",)
# Lists of a page object, sized by the `first` of the field that returned the page.
PAGED = frozenset(
    {
        "TaskLetterConnection.edges",
        "LedgerEventPage.events",
        "AccessLogPage.records",
        "TalkPage.talks",
        "TalkObligationPage.obligations",
        "WrittenInquiryPage.inquiries",
    }
)


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any] | None,
    ):
        self.schema = schema
        self.fragments = fragments
        self.variables = dict(variables or {})
        self.memo: dict[tuple[str, int | None], int] = {}

    def selection_set(
        self,
        owner: GraphQLObjectType,
        selection_set: SelectionSetNode,
        visiting: frozenset[str],
        page: int | None = None,
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(owner, selection, visiting, page)
            elif isinstance(selection, InlineFragmentNode):
                inner = owner
                if selection.type_condition is not None:
                    named = self.schema.get_type(selection.type_condition.name.value)
                    inner = named if isinstance(named, GraphQLObjectType) else owner
                total += self.selection_set(inner, selection.selection_set, visiting, page)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visiting:
                    continue  # validation refuses these; nothing to cost
                if (name, page) not in self.memo:
                    named = self.schema.get_type(fragment.type_condition.name.value)
                    inner = named if isinstance(named, GraphQLObjectType) else owner
                    self.memo[name, page] = self.selection_set(
                        inner, fragment.selection_set, visiting | {name}, page
                    )
                total += self.memo[name, page]
        return total

    def field(
        self,
        owner: GraphQLObjectType,
        node: FieldNode,
        visiting: frozenset[str],
        page: int | None,
    ) -> int:
        name = node.name.value
        if name.startswith("__"):
            return 1
        definition = owner.fields.get(name)
        if definition is None:
            return 1
        coordinate = f"{owner.name}.{name}"
        cost = WEIGHTS.get(coordinate, 1)
        if node.selection_set is None:
            return cost
        target = get_named_type(definition.type)
        if not isinstance(target, GraphQLObjectType):
            return cost
        own_page = self.page_size(definition, node)
        kind = definition.type
        if isinstance(kind, GraphQLNonNull):
            kind = kind.of_type
        if not isinstance(kind, GraphQLList):
            size = 1
        elif own_page is not None:
            size = own_page
        elif coordinate in PAGED and page is not None:
            size = page
        else:
            size = LIST_SIZES.get(coordinate, DEFAULT_LIST_SIZE)
        inner = self.selection_set(target, node.selection_set, visiting, own_page)
        return cost + size * inner

    def page_size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        """The `first` a field is asked with: a literal, a variable's value, or the default
        (a value that is not a positive int is refused by the resolver; cost it as absent)."""
        for name in PAGE_ARGUMENTS:
            if name not in definition.args:
                continue
            value = definition.args[name].default_value
            for argument in node.arguments or ():
                if argument.name.value != name:
                    continue
                if isinstance(argument.value, VariableNode):
                    value = self.variables.get(argument.value.name.value, value)
                elif isinstance(argument.value, IntValueNode):
                    value = int(argument.value.value)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        return None


def document_cost(
    schema: GraphQLSchema,
    document: Any,
    operation_name: str | None,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The cost of the operation that will run (the named one, or the only one)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if not operations:
        return 0
    operation = operations[0]
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    given = dict(variables or {})
    for definition in operation.variable_definitions or ():
        default = definition.default_value
        if isinstance(default, IntValueNode) and definition.variable.name.value not in given:
            given[definition.variable.name.value] = int(default.value)
    costing = _Costing(schema, fragments, given)
    return costing.selection_set(root, operation.selection_set, frozenset())
