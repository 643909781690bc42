"""Texts of the terminal reports (``lotsplit check``, ``run``, ``evaluate``): the scenario
and the plan summaries, in
Swedish, Danish and English (``export.texts.text`` reads them)."""

REPORT = {
    "rp_optimal": {"sv": "Optimal indelning (bevisad), målvärde {obj}; {secs} s, {version}, {cols} kandidatdelkontrakt",
                   "da": "Optimal opdeling (bevist), målværdi {obj}; {secs} s, {version}, {cols} kandidatdelkontrakter",
                   "en": "Optimal plan (proven), objective {obj}; {secs} s, {version}, {cols} candidate lots"},
    "rp_feasible": {"sv": "Bästa funna indelning (inte bevisat optimal): målvärde {obj}, gräns {bound}, gap {gap}; "
                          "{secs} s, {version}",
                    "da": "Bedste fundne opdeling (ikke bevist optimal): målværdi {obj}, grænse {bound}, gap {gap}; "
                          "{secs} s, {version}",
                    "en": "Best plan found (not proven optimal): objective {obj}, bound {bound}, gap {gap}; "
                          "{secs} s, {version}"},
    "rp_evaluated": {"sv": "Utvärderad indelning, målvärde ({kind}) {obj}", "da": "Vurderet opdeling, målværdi ({kind}) {obj}",
                     "en": "Evaluated plan, objective ({kind}) {obj}"},
    "rp_unknown": {"sv": "okänd", "da": "ukendt", "en": "unknown"},
    "rp_metrics": {"sv": "  delkontrakt: {n}   administrativ kostnad: {admin}   lokalt tillgänglig värdeandel: {share}   "
                         "minsta antal möjliga anbudsgivare: {eligible}   delkontrakt med risk för inget anbud: {risk}",
                   "da": "  delkontrakter: {n}   administrative omkostninger: {admin}   lokalt tilgængelig værdiandel: "
                         "{share}   mindste antal mulige tilbudsgivere: {eligible}   delkontrakter i risiko for ingen "
                         "bud: {risk}",
                   "en": "  lots: {n}   admin cost: {admin}   local-accessible value share: {share}   min eligible "
                         "bidders: {eligible}   lots at risk: {risk}"},
    "rp_regime": {"sv": "  förfarande: {regime}", "da": "  udbudsform: {regime}", "en": "  regime: {regime}"},
    "rp_lot": {"sv": "  {id}  {groups}: {areas}  — {value}/år, {eligible}, {bids} förväntade anbud, "
                     "chans till lokalt anbud {chance}",
               "da": "  {id}  {groups}: {areas}  — {value}/år, {eligible}, {bids} forventede bud, "
                     "chance for lokalt bud {chance}",
               "en": "  {id}  {groups}: {areas}  — {value}/yr, {eligible}, {bids} expected bids, "
                     "local chance {chance}"},
    "rp_eligible": {"sv": ("{n} möjlig anbudsgivare", "{n} möjliga anbudsgivare"),
                    "da": ("{n} mulig tilbudsgiver", "{n} mulige tilbudsgivere"), "en": ("{n} eligible", "{n} eligible")},
    "rp_violations": {"sv": "Regelbrott:", "da": "Regelbrud:", "en": "Rule violations:"},
    "rs_scenario": {"sv": "Scenario: {name}", "da": "Scenarie: {name}", "en": "Scenario: {name}"},
    "rs_buyer": {"sv": "  upphandlande myndighet: {buyer}   valuta: {cur}   avtalstid (år): {years}",
                 "da": "  ordregiver: {buyer}   valuta: {cur}   kontraktperiode (år): {years}",
                 "en": "  buyer: {buyer}   currency: {cur}   contract years: {years}"},
    "rs_areas": {"sv": "Områden: {n}  (koordinatsystem {crs})", "da": "Områder: {n}  (koordinatsystem {crs})",
                 "en": "Areas: {n}  (CRS {crs})"},
    "rs_none": {"sv": "inget", "da": "intet", "en": "none"},
    "rs_adjacency": {"sv": "  grannskap: {edges} grannpar, {comps}", "da": "  naboskab: {edges} nabopar, {comps}",
                     "en": "  adjacency: {edges} neighbour pairs, {comps}"},
    "rs_parts": {"sv": ("{n} sammanhängande del", "{n} sammanhängande delar"),
                 "da": ("{n} sammenhængende del", "{n} sammenhængende dele"),
                 "en": ("{n} connected component", "{n} connected components")},
    "rs_local": {"sv": ("{n} lokal", "{n} lokala"), "da": ("{n} lokal", "{n} lokale"), "en": ("{n} local", "{n} local")},
    "rs_links": {"sv": ", {n} tillagda förbindelser", "da": ", {n} tilføjede forbindelser", "en": ", {n} added link(s)"},
    "rs_link": {"sv": "    förbindelse {a} – {b} ({kind}) {note}", "da": "    forbindelse {a} – {b} ({kind}) {note}",
                "en": "    link {a} – {b} ({kind}) {note}"},
    "rs_groups": {"sv": "Varugrupper: {n}", "da": "Varegrupper: {n}", "en": "Product groups: {n}"},
    "rs_group": {"sv": "{value}/år  {n}, {local}", "da": "{value}/år  {n}, {local}", "en": "{value}/yr  {n}, {local}"},
    "rs_total": {"sv": "summa", "da": "i alt", "en": "total"},
    "rs_total_value": {"sv": "{value}/år  ({contract} över avtalstiden)", "da": "{value}/år  ({contract} over "
                       "kontraktperioden)", "en": "{value}/yr  ({contract} over the contract)"},
    "rs_threshold_above": {"sv": "  EU:s tröskelvärde ({nature}): {value} [{status}] -> hela upphandlingen ligger över "
                                 "tröskelvärdet",
                           "da": "  EU's tærskelværdi ({nature}): {value} [{status}] -> hele udbuddet ligger over "
                                 "tærskelværdien",
                           "en": "  EU threshold ({nature}): {value} [{status}] -> whole is above the threshold"},
    "rs_threshold_below": {"sv": "  EU:s tröskelvärde ({nature}): {value} [{status}] -> hela upphandlingen ligger under "
                                 "tröskelvärdet",
                           "da": "  EU's tærskelværdi ({nature}): {value} [{status}] -> hele udbuddet ligger under "
                                 "tærskelværdien",
                           "en": "  EU threshold ({nature}): {value} [{status}] -> whole is below the threshold"},
    "rs_suppliers": {"sv": "Leverantörer: {n} ({local}, {sme} små och medelstora företag)",
                     "da": "Leverandører: {n} ({local}, {sme} SMV'er)",
                     "en": "Suppliers: {n} ({local}, {sme} SME)"},
    "rs_notes": {"sv": "Varningar och anmärkningar:", "da": "Advarsler og bemærkninger:", "en": "Warnings and notes:"},
    # the command line's own lines
    "cli_valid": {"sv": "OK: scenariot är giltigt.", "da": "OK: scenariet er gyldigt.", "en": "OK: the scenario is valid."},
    "cli_wrote": {"sv": "Skrev {out}", "da": "Skrev {out}", "en": "Wrote {out}"},
    "cli_wrote_lots": {"sv": "Skrev {out} ({lots}{broken})", "da": "Skrev {out} ({lots}{broken})",
                       "en": "Wrote {out} ({lots}{broken})"},
    "cli_broken": {"sv": (", avviker från {n} villkor", ", avviker från {n} villkor"),
                   "da": (", bryder {n} regel", ", bryder {n} regler"), "en": (", breaks {n} rule", ", breaks {n} rules")},
    "cli_interrupted_plan": {"sv": "Avbruten (Ctrl-C): den bästa indelning som hittats hittills skrevs; den är inte "
                                   "bevisat optimal.",
                             "da": "Afbrudt (Ctrl-C): den bedste opdeling, der er fundet indtil nu, blev skrevet; den "
                                   "er ikke bevist optimal.",
                             "en": "Interrupted (Ctrl-C): the best plan found so far was written; it is not proven "
                                   "optimal."},
    "cli_interrupted_points": {"sv": "Avbruten (Ctrl-C): de punkter som hittats hittills skrevs.",
                               "da": "Afbrudt (Ctrl-C): de punkter, der er fundet indtil nu, blev skrevet.",
                               "en": "Interrupted (Ctrl-C): the points found so far were written."},
    "cli_template": {"sv": "Skrev {out}{source}. Fyll i de gula cellerna och kör sedan: lotsplit check {out}",
                     "da": "Skrev {out}{source}. Udfyld de gule celler, og kør derefter: lotsplit check {out}",
                     "en": "Wrote {out}{source}. Fill in the yellow cells, then: lotsplit check {out}"},
    "cli_template_from": {"sv": " utifrån {name}", "da": " ud fra {name}", "en": " from {name}"},
}
