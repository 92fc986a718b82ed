from django.urls import reverse

from custos.custody import services

from ..factories import PrisonerFactory


def test_director_sees_file(client, director, cell, facility):
    p = PrisonerFactory(facility=facility, names=["Mohamed Traoré"])
    services.placement_create(acting_user=director, prisoner=p, cell=cell, reason="arrival")
    client.force_login(director)
    for url in [reverse("custody:dashboard"), reverse("custody:facility", args=[facility.code]) + "?unit=A",
                reverse("custody:search") + "?q=محمد", reverse("custody:prisoner", args=[p.pk]),
                reverse("custody:admit"), reverse("custody:place", args=[p.pk]),
                reverse("custody:keep_apart", args=[p.pk]), reverse("custody:release", args=[p.pk])]:
        r = client.get(url)
        assert r.status_code == 200, url
    assert "Mohamed" in client.get(reverse("custody:search") + "?q=محمد").content.decode()
