"""GraphQL documents shared by the scenario tests, so tests read as the scenario they check."""

REGISTER_UNIT = """mutation($id: ID!, $name: String!, $kind: UnitKind!, $parentId: ID, $key: String) {
  registerUnit(input: {id: $id, name: $name, kind: $kind, parentId: $parentId, idempotencyKey: $key}) { id position }
}"""
REGISTER_PERSON = """mutation($id: ID!, $name: String!, $key: String) {
  registerPerson(input: {id: $id, name: $name, idempotencyKey: $key}) { id position }
}"""
ASSUME_POST = """mutation($p: ID!, $u: ID!, $role: PostRole!, $from: Date!) {
  assumePost(input: {personId: $p, unitId: $u, role: $role, from: $from}) { id position }
}"""
LEAVE_POST = """mutation($p: ID!, $u: ID!, $role: PostRole!, $to: Date!) {
  leavePost(input: {personId: $p, unitId: $u, role: $role, to: $to}) { id position }
}"""
CORRECT_POST = """mutation($p: ID!, $u: ID!, $role: PostRole!, $orig: Date!, $from: Date!, $to: Date, $reason: String!) {
  correctPost(input: {personId: $p, unitId: $u, role: $role, originalFrom: $orig, from: $from, to: $to, reason: $reason}) { id position }
}"""
ASSIGN = """mutation($id: ID!, $holder: ID!, $kind: ResponsibilityKind!, $scope: [ID!]!, $from: Date!, $title: String!) {
  assignResponsibility(input: {id: $id, holderId: $holder, kind: $kind, area: MANAGEMENT, title: $title,
                               scopeUnitIds: $scope, validFrom: $from}) { id position }
}"""
TRANSFER = """mutation($item: ID!, $to: ID!, $eff: Date!, $key: String) {
  transferResponsibility(input: {itemId: $item, toHolderId: $to, effective: $eff, idempotencyKey: $key}) { id position }
}"""
END = """mutation($item: ID!, $to: Date!) {
  endResponsibility(input: {itemId: $item, validTo: $to}) { id position }
}"""
CORRECT_RESPONSIBILITY = """mutation($item: ID!, $periods: [HolderPeriodInput!]!, $reason: String!) {
  correctResponsibility(input: {itemId: $item, periods: $periods, reason: $reason}) { id position }
}"""
LIST = """query($p: ID!, $asOf: Date, $knownAt: DateTime) {
  responsibilityList(personId: $p, asOf: $asOf, knownAt: $knownAt) {
    holder { id } asOf items { id kind title validFrom validTo scope { id } }
  }
}"""


def build_organ(gql) -> None:
    """An organ with one department and one affiliated unit, and three members of its
    leadership team since 2020 (only they may hold IN_CHARGE items over its units)."""
    for uid, name, kind, parent in [
        ("ORG", "省直某厅", "ORGAN", None),
        ("DEP", "办公室", "DEPARTMENT", "ORG"),
        ("AFF", "信息中心", "AFFILIATED_UNIT", "ORG"),
    ]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": name, "kind": kind, "parentId": parent})
    for pid, name in [("A", "张三"), ("B", "李四"), ("C", "王五")]:
        gql.data(REGISTER_PERSON, {"id": pid, "name": name})
        gql.data(ASSUME_POST, {"p": pid, "u": "ORG", "role": "TEAM_MEMBER", "from": "2020-01-01"})


def item_ids(gql, person: str, as_of: str, known_at: str | None = None) -> list[str]:
    data = gql.data(LIST, {"p": person, "asOf": as_of, "knownAt": known_at})
    return [i["id"] for i in data["responsibilityList"]["items"]]


REGISTER_CASE = """mutation($id: ID!, $unit: ID!, $subject: ID!, $cat: ViolationCategory!, $disc: Discovery!,
                   $facts: Date!, $until: Date, $reg: Date!) {
  registerCase(input: {id: $id, unitId: $unit, subjectId: $subject, category: $cat, discovery: $disc,
                       factsOn: $facts, factsUntil: $until, registeredOn: $reg, summary: "违规收受礼品"}) { id position }
}"""
CORRECT_CASE = """mutation($id: ID!, $unit: ID!, $facts: Date!, $until: Date) {
  correctCase(input: {caseId: $id, unitId: $unit, factsOn: $facts, factsUntil: $until, reason: "更正"}) { id position }
}"""
CONCLUDE_CASE = """mutation($id: ID!, $on: Date!, $form: DisciplineForm = SECOND) {
  concludeCase(input: {caseId: $id, form: $form, decision: "党内警告", on: $on}) { id position }
}"""
DETERMINE = """mutation($id: ID!, $p: ID!, $m: AccountabilityMeasure!) {
  determineAccountability(input: {caseId: $id, personId: $p, measure: $m, reason: "管理失职", on: "2024-10-01"}) { id position }
}"""
CHAIN = """query($id: ID!, $knownAt: DateTime) {
  accountabilityChain(caseId: $id, knownAt: $knownAt) {
    case { id unit { id } factsOn }
    links { person { id } kind unit { id } post { role from to unit { id } } basis { id } measure heldFrom heldTo }
    gaps { kind from to unit { id } reason }
  }
}"""


def chain(gql, case_id: str, known_at: str | None = None) -> dict:
    return gql.data(CHAIN, {"id": case_id, "knownAt": known_at})["accountabilityChain"]


def links(gql, case_id: str, known_at: str | None = None) -> set[tuple[str, str]]:
    return {(link["kind"], link["person"]["id"]) for link in chain(gql, case_id, known_at)["links"]}


ISSUE_LETTER = """mutation($id: ID!, $number: String!, $issuer: ID!, $to: ID!, $on: Date!, $tasks: [TaskInput!]!) {
  issueTaskLetter(input: {id: $id, number: $number, title: "2024年党风廉政建设主要工作任务函告书",
                          issuerId: $issuer, recipientId: $to, issuedOn: $on, tasks: $tasks}) { id position }
}"""
ACKNOWLEDGE = """mutation($id: ID!, $p: ID!, $on: Date!) {
  acknowledgeTaskLetter(input: {letterId: $id, personId: $p, on: $on}) { id position }
}"""
PROGRESS = """mutation($id: ID!, $t: ID!, $pct: Int!, $on: Date!) {
  reportTaskProgress(input: {letterId: $id, taskId: $t, percent: $pct, note: "进展", on: $on}) { id position }
}"""
COMPLETE = """mutation($id: ID!, $t: ID!, $on: Date!) {
  completeTask(input: {letterId: $id, taskId: $t, on: $on, evidence: "会议纪要"}) { id position }
}"""
OPEN_CYCLE = """mutation($id: ID!, $units: [ID!]!, $ded: Float! = 2, $from: Date! = "2024-01-01",
                   $to: Date! = "2024-12-31") {
  openEvaluationCycle(input: {id: $id, year: 2024, title: "党风廉政建设责任制考核",
    periodFrom: $from, periodTo: $to, unitIds: $units, passiveCaseDeduction: $ded,
    criteria: [{code: "EDU", title: "宣传教育", maxPoints: 30}, {code: "SUP", title: "监督检查", maxPoints: 40},
               {code: "MGT", title: "日常管理", maxPoints: 30}]}) { id position }
}"""
RECORD_SCORE = """mutation($c: ID!, $u: ID!, $k: String!, $pts: Float!) {
  recordScore(input: {cycleId: $c, unitId: $u, criterion: $k, points: $pts}) { id position }
}"""
FINALIZE = """mutation($c: ID!) { finalizeEvaluationCycle(input: {cycleId: $c}) { id position } }"""
RESULT = """query($c: ID!, $u: ID!, $knownAt: DateTime) {
  evaluationResult(cycleId: $c, unitId: $u, knownAt: $knownAt) {
    unit { id } baseScore total vetoed grade eligibleForAwards rank
    deductions { rule points reason case { id } } bonuses { rule points }
    vetoReasons { rule reason case { id } }
    pending { rule points reason case { id } } reviewedAt
  }
}"""


def score(gql, cycle: str, unit: str, edu: float, sup: float, mgt: float) -> None:
    for code, points in (("EDU", edu), ("SUP", sup), ("MGT", mgt)):
        gql.data(RECORD_SCORE, {"c": cycle, "u": unit, "k": code, "pts": points})


def result(gql, cycle: str, unit: str, known_at: str | None = None) -> dict:
    return gql.data(RESULT, {"c": cycle, "u": unit, "knownAt": known_at})["evaluationResult"]
