"""Texts of the terminal reports (``lotsplit run``, ``evaluate``): the plan summary, in
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
    "rp_regime_eu": {"sv": "EU-förfarande (över tröskelvärdet)", "da": "EU-udbud (over tærskelværdien)",
                     "en": "EU procedure (above threshold)"},
    "rp_regime_national": {"sv": "nationellt förfarande (under EU:s tröskelvärde)",
                           "da": "nationalt udbud (under EU's tærskelværdi)",
                           "en": "national procedure (below EU threshold)"},
    "rp_regime_unknown": {"sv": "okänt (inget tröskelvärde för valutan)", "da": "ukendt (ingen tærskelværdi for valutaen)",
                          "en": "unknown (no threshold for this currency)"},
    "rp_lot": {"sv": "  {id}  {groups}: {areas}  — {value}/år, {eligible} möjliga anbudsgivare, {bids} förväntade anbud, "
                     "chans till lokalt anbud {chance}",
               "da": "  {id}  {groups}: {areas}  — {value}/år, {eligible} mulige tilbudsgivere, {bids} forventede bud, "
                     "chance for lokalt bud {chance}",
               "en": "  {id}  {groups}: {areas}  — {value}/yr, {eligible} eligible, {bids} expected bids, "
                     "local chance {chance}"},
    "rp_violations": {"sv": "Regelbrott:", "da": "Regelbrud:", "en": "Rule violations:"},
}
