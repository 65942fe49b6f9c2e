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
    """An organ with one department and one affiliated unit, and three people."""
    for uid, name, kind, parent in [
        ("ORG", "省直某厅", "ORGAN", None),
        ("DEP", "办公室", "DEPARTMENT", "ORG"),
        ("AFF", "信息中心", "AFFILIATED_UNIT", "ORG"),
    ]:
        gql.data(REGISTER_UNIT, {"id": uid, "name": name, "kind": kind, "parentId": parent})
    for pid, name in [("A", "张三"), ("B", "李四"), ("C", "王五")]:
        gql.data(REGISTER_PERSON, {"id": pid, "name": name})


def item_ids(gql, person: str, as_of: str, known_at: str | None = None) -> list[str]:
    data = gql.data(LIST, {"p": person, "asOf": as_of, "knownAt": known_at})
    return [i["id"] for i in data["responsibilityList"]["items"]]
