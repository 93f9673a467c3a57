from tests.factories import id_number_for
from apps.core import idnumbers
def test_ids_unique():
    ids = [id_number_for("310115") for _ in range(3000)] + [id_number_for("310115", male=False) for _ in range(3000)]
    assert len(set(ids)) == 6000 and all(idnumbers.is_valid(i) for i in ids)
    assert all(idnumbers.sex(i) == "F" for i in ids[3000:])
