"""Words of the batch tables and charts in Swedish, Danish and English.

``key: (sv, da, en)``; ``{cur}`` is the currency.  Column headers of ``batch.xlsx`` are
the keys of :data:`COLUMNS` (the CSV keeps the keys themselves, for programs).
"""

from __future__ import annotations

LANG = {"sv": 0, "da": 1, "en": 2}

COLUMNS: dict[str, tuple[str, str, str]] = {
    "item": ("Scenario-id", "Scenarie-id", "Scenario id"),
    "label": ("Scenario", "Scenarie", "Scenario"),
    "scenario": ("Upphandling", "Udbud", "Procurement"),
    "run": ("Körning", "Kørsel", "Run"),
    "kind": ("Slag", "Type", "Kind"),
    "seed": ("Slumpfrö", "Tilfældighedsfrø", "Seed"),
    "status": ("Status", "Status", "Status"),
    "gap": ("Gap till bästa möjliga", "Gap til bedst mulige", "Gap to the bound"),
    "objective": ("Målvärde", "Målværdi", "Objective value"),
    "plan_id": ("Indelning", "Opdeling", "Plan"),
    "plan_key": ("Indelningens nyckel", "Opdelingens nøgle", "Plan key"),
    "n_lots": ("Antal delkontrakt", "Antal delkontrakter", "Number of lots"),
    "admin_cost": ("Administrativ kostnad ({cur})", "Administrative omkostninger ({cur})", "Admin cost ({cur})"),
    "competition_value": ("Konkurrensens värde ({cur})", "Konkurrencens værdi ({cur})", "Value of competition ({cur})"),
    "net_cost": ("Nettokostnad ({cur})", "Nettoomkostning ({cur})", "Net cost ({cur})"),
    "local_share": ("Lokalt tillgänglig värdeandel", "Lokalt tilgængelig værdiandel", "Local-accessible value share"),
    "sme_share": ("Värdeandel tillgänglig för SME", "Værdiandel tilgængelig for SMV'er", "SME-accessible value share"),
    "lots_at_risk": ("Delkontrakt med hög risk att inget anbud kommer in", "Delkontrakter med høj risiko for ingen "
                     "bud", "Lots at risk of no bid"),
    "no_bid_any": ("Risk att något delkontrakt blir utan anbud", "Risiko for at en delkontrakt får ingen bud",
                   "Chance that some lot gets no bid"),
    "no_bid_max": ("Största risk för inget anbud på ett delkontrakt", "Største risiko for ingen bud på en "
                   "delkontrakt", "Highest chance of no bid on one lot"),
    "lots_without_bid": ("Förväntat antal delkontrakt utan anbud", "Forventet antal delkontrakter uden bud",
                         "Expected lots without a bid"),
    "lots_without_local_bidder": ("Delkontrakt utan möjlig lokal anbudsgivare", "Delkontrakter uden mulig lokal "
                                  "tilbudsgiver", "Lots without a local supplier able to bid"),
    "violations": ("Regelbrott", "Regelbrud", "Rules broken"),
    "expected_bids_mean": ("Förväntat antal anbud per delkontrakt, medel", "Forventet antal bud pr. delkontrakt, "
                           "middel", "Expected bids per lot, mean"),
    "expected_bids_min": ("Förväntat antal anbud, lägsta delkontrakt", "Forventet antal bud, laveste delkontrakt",
                          "Expected bids, lowest lot"),
    "min_eligible_bidders": ("Minsta antal möjliga anbudsgivare på ett delkontrakt", "Mindste antal mulige "
                             "tilbudsgivere på en delkontrakt", "Fewest suppliers able to bid on one lot"),
    "exempt_lots": ("Delkontrakt enligt undantaget för små delkontrakt", "Delkontrakter under undtagelsen for små "
                    "delkontrakter", "Lots under the small-lots exemption"),
    "largest_lot_value": ("Största delkontraktets värde ({cur})", "Største delkontrakts værdi ({cur})",
                          "Value of the largest lot ({cur})"),
    "annual_value": ("Årligt värde ({cur})", "Årlig værdi ({cur})", "Annual value ({cur})"),
    "currency": ("Valuta", "Valuta", "Currency"),
    "seconds": ("Sekunder", "Sekunder", "Seconds"),
    "message": ("Meddelande", "Meddelelse", "Message"),
    "folder": ("Mapp", "Mappe", "Folder"),
    "suppliers_absent": ("Leverantörer som uteblir", "Leverandører der udebliver", "Suppliers absent"),
    "mean_propensity": ("Genomsnittlig sannolikhet för anbud", "Gennemsnitlig sandsynlighed for bud",
                        "Mean chance to bid"),
    "mean_demand_factor": ("Genomsnittlig efterfrågefaktor", "Gennemsnitlig efterspørgselsfaktor",
                           "Mean demand factor"),
    "single_lot_local_share": ("Lokal andel, ett enda kontrakt", "Lokal andel, én samlet kontrakt",
                               "Local share, single lot"),
    "single_lot_net_cost": ("Nettokostnad, ett enda kontrakt ({cur})", "Nettoomkostning, én samlet kontrakt ({cur})",
                            "Net cost, single lot ({cur})"),
    "per_group_local_share": ("Lokal andel, ett kontrakt per varugrupp", "Lokal andel, én kontrakt pr. varegruppe",
                              "Local share, one lot per product group"),
    "samples": ("Stickprov", "Stikprøver", "Samples"),
    "samples_ok": ("Stickprov med svar", "Stikprøver med svar", "Samples answered"),
    "local_share_mean": ("Vald indelning: lokal andel, medel", "Valgt opdeling: lokal andel, middel",
                         "Chosen plan: local share, mean"),
    "local_share_p5": ("Vald indelning: lokal andel, 5:e percentil", "Valgt opdeling: lokal andel, 5. percentil",
                       "Chosen plan: local share, 5th percentile"),
    "local_share_p95": ("Vald indelning: lokal andel, 95:e percentil", "Valgt opdeling: lokal andel, 95. percentil",
                        "Chosen plan: local share, 95th percentile"),
    "split_helps": ("Andel stickprov där indelningen ger högre lokal andel än ett enda kontrakt",
                    "Andel stikprøver hvor opdelingen giver højere lokal andel end én samlet kontrakt",
                    "Share of samples where the plan beats the single lot on local share"),
    "net_cost_mean": ("Vald indelning: nettokostnad, medel ({cur})", "Valgt opdeling: nettoomkostning, middel ({cur})",
                      "Chosen plan: net cost, mean ({cur})"),
    "net_cost_p95": ("Vald indelning: nettokostnad, 95:e percentil ({cur})", "Valgt opdeling: nettoomkostning, 95. "
                     "percentil ({cur})", "Chosen plan: net cost, 95th percentile ({cur})"),
    "admin_cost_mean": ("Vald indelning: administrativ kostnad, medel ({cur})", "Valgt opdeling: administrative "
                        "omkostninger, middel ({cur})", "Chosen plan: admin cost, mean ({cur})"),
    "lots_at_risk_mean": ("Vald indelning: delkontrakt med hög risk, medel", "Valgt opdeling: delkontrakter med høj "
                          "risiko, middel", "Chosen plan: lots at risk, mean"),
    "no_bid_any_mean": ("Vald indelning: risk att något delkontrakt blir utan anbud, medel", "Valgt opdeling: "
                        "risiko for en delkontrakt uden bud, middel", "Chosen plan: chance some lot gets no bid, mean"),
    "chosen_breaks_rules": ("Andel stickprov där vald indelning bryter en regel", "Andel stikprøver hvor valgt "
                            "opdeling bryder en regel", "Share of samples where the chosen plan breaks a rule"),
    "chosen_optimal": ("Andel stickprov där vald indelning är bäst", "Andel stikprøver hvor valgt opdeling er bedst",
                       "Share of samples where the chosen plan is optimal"),
    "distinct_plans": ("Olika bästa indelningar", "Forskellige bedste opdelinger", "Distinct optimal plans"),
    "most_frequent_plan": ("Oftast bästa indelning", "Oftest bedste opdeling", "Most often optimal plan"),
    "robust_plan": ("Robust indelning", "Robust opdeling", "Robust plan"),
    "robust_is_chosen": ("Robust indelning = vald", "Robust opdeling = valgt", "Robust plan is the chosen one"),
    "optimal_in": ("Bäst i antal stickprov", "Bedst i antal stikprøver", "Optimal in samples"),
    "optimal_share": ("Andel stickprov där den är bäst", "Andel stikprøver hvor den er bedst",
                      "Share of samples where it is optimal"),
    "is_chosen": ("Är den valda indelningen", "Er den valgte opdeling", "Is the chosen plan"),
    "is_robust": ("Är den robusta indelningen", "Er den robuste opdeling", "Is the robust plan"),
    "objective_mean": ("Målvärde, medel över stickproven", "Målværdi, middel over stikprøverne",
                       "Objective, mean over the samples"),
    "objective_worst": ("Målvärde, sämsta stickprovet", "Målværdi, værste stikprøve", "Objective, worst sample"),
    "samples_breaking": ("Stickprov där den bryter en regel", "Stikprøver hvor den bryder en regel",
                         "Samples where it breaks a rule"),
}

WORDS: dict[str, tuple[str, str, str]] = {
    # the batch's terminal summary
    "b_head": ("Batch (scenarier: {n}, körningar: {runs}): ", "Batch (scenarier: {n}, kørsler: {runs}): ",
               "Batch of {n} scenario(s), {runs} run(s): "),
    "b_resumed": (" ({n} från en tidigare körning av batchen)", " ({n} fra en tidligere kørsel af batchen)",
                  " ({n} from an earlier run of the batch)"),
    "b_row": ("  {label}: {lots} delkontrakt, lokal andel {share} (ett samlat kontrakt {single})",
              "  {label}: {lots} delkontrakter, lokal andel {share} (én samlet kontrakt {single})",
              "  {label}: {lots} lots, local share {share} (single lot {single})"),
    "b_samples": ("; över {n} stickprov {p5}–{p95}, bättre än ett samlat kontrakt i {helps}, optimal i {optimal}",
                  "; over {n} stikprøver {p5}–{p95}, bedre end én samlet kontrakt i {helps}, optimal i {optimal}",
                  "; over {n} samples {p5}–{p95}, better than the single lot in {helps}, optimal in {optimal}"),
    "b_robust": ("; robust indelning {plan}", "; robust opdeling {plan}", "; robust plan {plan}"),
    "b_more": ("  … och {n} till (scenarios.csv)", "  … og {n} mere (scenarios.csv)", "  … and {n} more (scenarios.csv)"),
    "b_failed": ("  {item} körning {run}: {status} — {message}", "  {item} kørsel {run}: {status} — {message}",
                 "  {item} run {run}: {status} — {message}"),
    "b_stopped": ("Avbruten (Ctrl-C): de körningar som hade avslutats är skrivna; --resume kör resten.",
                  "Afbrudt (Ctrl-C): de kørsler, der var afsluttet, er skrevet; --resume kører resten.",
                  "Stopped (Ctrl-C): the runs that had ended are written; --resume runs the rest."),
    # compare and sweep: the terminal summary and the charts
    "cmp_title": ("Jämförelse av scenarier: den valda indelningen i varje scenario",
                  "Sammenligning af scenarier: den valgte opdeling i hvert scenarie",
                  "Scenario comparison: the chosen plan of each scenario"),
    "sw_title": ("Känslighetsanalys (etiketter: vald indelning)", "Følsomhedsanalyse (etiketter: valgt opdeling)",
                 "Sensitivity sweep (labels: chosen plan)"),
    "m_admin": ("administrativ kostnad över avtalstiden ({cur})", "administrative omkostninger over kontraktperioden ({cur})",
                "admin cost over the contract ({cur})"),
    "m_share": ("lokalt tillgänglig värdeandel (%)", "lokalt tilgængelig værdiandel (%)", "local-accessible value share (%)"),
    "m_lots": ("antal delkontrakt", "antal delkontrakter", "number of lots"),
    "cmp_head": ("Jämförelse (scenarier: {n}):", "Sammenligning (scenarier: {n}):", "Compared {n} scenario(s):"),
    "cmp_row": ("  {label}: {status}, {lots} delkontrakt, administration {admin}, lokal andel {share}",
                "  {label}: {status}, {lots} delkontrakter, administration {admin}, lokal andel {share}",
                "  {label}: {status}, {lots} lots, admin {admin}, local share {share}"),
    "cmp_differs": (" — skiljer sig: {d}", " — afviger: {d}", " — differs: {d}"),
    "sw_head": ("Känslighetsanalys över {params} (körningar: {n}, olika indelningar: {k}).",
                "Følsomhedsanalyse over {params} (kørsler: {n}, forskellige opdelinger: {k}).",
                "Sweep over {params}: {n} run(s), {k} distinct plan(s)."),
    "sw_row": ("  {pid}: {lots} delkontrakt, lokal andel {share} — vald för {where}{more}",
               "  {pid}: {lots} delkontrakter, lokal andel {share} — valgt for {where}{more}",
               "  {pid}: {lots} lots, local share {share} — chosen for {where}{more}"),
    "sw_more": (" (+{n} till)", " (+{n} mere)", " (+{n} more)"),
    "sw_tie": ("  {a} och {b} är lika bra (samma målvärde där någon av dem valdes): vilken av dem en körning anger är "
               "godtyckligt, inte en effekt av parametrarna",
               "  {a} og {b} er lige gode (samme målværdi, hvor en af dem blev valgt): hvilken af dem en kørsel angiver, "
               "er tilfældigt, ikke en effekt af parametrene",
               "  {a} and {b} tie (the same objective wherever either was chosen): which of them a run reports is "
               "arbitrary, not an effect of the parameters"),
    "sw_run": ("  körning {i} ({params}): {status}", "  kørsel {i} ({params}): {status}", "  run {i} ({params}): {status}"),
    "sheet_scenarios": ("Scenarier", "Scenarier", "Scenarios"),
    "sheet_runs": ("Körningar", "Kørsler", "Runs"),
    "sheet_plans": ("Indelningar", "Opdelinger", "Plans"),
    "sheet_failures": ("Fel", "Fejl", "Failures"),
    "sheet_about": ("Om körningen", "Om kørslen", "About"),
    "field": ("Uppgift", "Oplysning", "Field"),
    "about_command": ("Kommando", "Kommando", "Command"),
    "about_seed": ("Slumpfrö för körningen", "Tilfældighedsfrø for kørslen", "Batch seed"),
    "about_samples": ("Stickprov per scenario", "Stikprøver pr. scenarie", "Samples per scenario"),
    "about_uncertainty": ("Osäkerhet som antas", "Antaget usikkerhed", "Uncertainty assumed"),
    "about_robust": ("Robust indelning", "Robust opdeling", "Robust plan"),
    "about_exports": ("Filer per grundscenario", "Filer pr. grundscenarie", "Files of each base run"),
    "about_interrupted": ("Avbruten (Ctrl-C)", "Afbrudt (Ctrl-C)", "Interrupted (Ctrl-C)"),
    "yes": ("ja", "ja", "yes"),
    "no": ("nej", "nej", "no"),
    "none": ("ingen", "ingen", "none"),
    "u_propensity": ("sannolikhet för anbud ± {sd} (Beta, standardavvikelse)",
                     "sandsynlighed for bud ± {sd} (Beta, standardafvigelse)",
                     "bid propensity ± {sd} (Beta, standard deviation)"),
    "u_demand": ("efterfrågan ± {pct} % (likformig, per {by})", "efterspørgsel ± {pct} % (ligefordelt, pr. {by})",
                 "demand ± {pct} % (uniform, per {by})"),
    "u_dropout": ("varje leverantör uteblir med sannolikhet {p}", "hver leverandør udebliver med sandsynlighed {p}",
                  "each supplier absent with probability {p}"),
    "by_cell": ("område × varugrupp", "område × varegruppe", "area × group"),
    "by_area": ("område", "område", "area"),
    "by_group": ("varugrupp", "varegruppe", "group"),
    "by_all": ("hela upphandlingen", "hele udbuddet", "the whole procurement"),
    "value": ("Värde", "Værdi", "Value"),
    "kind_base": ("grundscenario", "grundscenarie", "base"),
    "kind_sample": ("stickprov", "stikprøve", "sample"),
    "kind_robust": ("robust val", "robust valg", "robust choice"),
    "status_optimal": ("bevisat optimal", "bevist optimal", "proven optimal"),
    "status_feasible": ("bästa funna", "bedste fundne", "best found"),
    "status_infeasible": ("ingen tillåten indelning", "ingen tilladt opdeling", "no plan meets the rules"),
    "status_no_plan": ("ingen indelning inom tidsgränsen", "ingen opdeling inden for tidsgrænsen",
                       "no plan within the time limit"),
    "status_interrupted": ("avbruten", "afbrudt", "interrupted"),
    "status_failed": ("fel", "fejl", "failed"),
    "chart_share_title": ("Hur säker är vinsten för lokala leverantörer? Lokalt tillgänglig värdeandel i {n} "
                          "stickprov", "Hvor sikker er gevinsten for lokale leverandører? Lokalt tilgængelig "
                          "værdiandel i {n} stikprøver", "How sure is the gain for local suppliers? Local-accessible "
                          "value share in {n} samples"),
    "chart_share_panel": ("Lokalt tillgänglig värdeandel i {n} stickprov", "Lokalt tilgængelig værdiandel i {n} "
                          "stikprøver", "Local-accessible value share in {n} samples"),
    "chosen": ("Vald indelning", "Valgt opdeling", "Chosen plan"),
    "chart_per_group": ("Ett kontrakt per varugrupp", "Én kontrakt pr. varegruppe", "One lot per product group"),
    "chart_share_x": ("Lokalt tillgänglig värdeandel (%)", "Lokalt tilgængelig værdiandel (%)",
                      "Local-accessible value share (%)"),
    "chart_count_y": ("Antal stickprov", "Antal stikprøver", "Number of samples"),
    "chart_chosen": ("Vald indelning ({n} delkontrakt)", "Valgt opdeling ({n} delkontrakter)",
                     "Chosen plan ({n} lots)"),
    "chart_single": ("Ett enda kontrakt", "Én samlet kontrakt", "Single lot"),
    "chart_cost_title": ("Nettokostnad över hela avtalstiden ({cur})", "Nettoomkostning over hele kontraktperioden "
                         "({cur})", "Net cost over the whole contract ({cur})"),
    "chart_cost_x": ("Nettokostnad ({cur})", "Nettoomkostning ({cur})", "Net cost ({cur})"),
    "chart_nobid_title": ("Risk att något delkontrakt blir utan anbud", "Risiko for at en delkontrakt får ingen bud",
                          "Chance that some lot gets no bid"),
    "chart_nobid_x": ("Sannolikhet (%)", "Sandsynlighed (%)", "Probability (%)"),
    "chart_plans_title": ("Hur ofta varje indelning är bäst", "Hvor ofte hver opdeling er bedst",
                          "How often each plan is optimal"),
    "chart_plans_x": ("Andel stickprov (%)", "Andel stikprøver (%)", "Share of samples (%)"),
    "chart_chosen_mark": ("vald", "valgt", "chosen"),
    "chart_robust_mark": ("robust", "robust", "robust"),
    "chart_suptitle": ("{name}: {u}", "{name}: {u}", "{name}: {u}"),
    "chart_batch_title": ("{n} scenarier: vald indelning mot ett enda kontrakt", "{n} scenarier: valgt opdeling mod "
                          "én samlet kontrakt", "{n} scenarios: chosen plan against a single lot"),
    "chart_batch_share": ("Lokalt tillgänglig värdeandel (%)", "Lokalt tilgængelig værdiandel (%)",
                          "Local-accessible value share (%)"),
    "chart_batch_share_x": ("Ett enda kontrakt (%)", "Én samlet kontrakt (%)", "Single lot (%)"),
    "chart_batch_share_y": ("Vald indelning (%)", "Valgt opdeling (%)", "Chosen plan (%)"),
    "chart_batch_lots": ("Antal delkontrakt i vald indelning", "Antal delkontrakter i valgt opdeling",
                         "Number of lots of the chosen plan"),
    "chart_batch_scenarios": ("Antal scenarier", "Antal scenarier", "Number of scenarios"),
    "chart_batch_saving": ("Nettokostnad, vald indelning minus ett enda kontrakt ({cur})",
                           "Nettoomkostning, valgt opdeling minus én samlet kontrakt ({cur})",
                           "Net cost, chosen plan minus single lot ({cur})"),
    "chart_band_title": ("Vald indelnings lokala andel i stickproven (5–95 %) per scenario",
                         "Valgt opdelings lokale andel i stikprøverne (5–95 %) pr. scenarie",
                         "Chosen plan's local share across the samples (5–95 %) per scenario"),
    "chart_band_x": ("Scenarier, ordnade efter medel", "Scenarier, ordnet efter middel", "Scenarios, by mean"),
    "robust_expected": ("robust = bäst förväntat målvärde över stickproven (bland indelningarna som bryter regler i "
                        "minst antal stickprov)", "robust = bedste forventede målværdi over stikprøverne (blandt "
                        "opdelingerne der bryder regler i færrest stikprøver)", "robust = best expected objective over "
                        "the samples (among the plans that break a rule in the fewest samples)"),
    "robust_worst": ("robust = bäst målvärde i sämsta stickprovet (bland indelningarna som bryter regler i minst "
                     "antal stickprov)", "robust = bedste målværdi i den værste stikprøve (blandt opdelingerne der "
                     "bryder regler i færrest stikprøver)", "robust = best objective in the worst sample (among the "
                     "plans that break a rule in the fewest samples)"),
}


def header(lang: str, key: str, currency: str = "") -> str:
    """The column header of ``key`` in ``lang`` (the key itself when unknown)."""
    if key not in COLUMNS:
        return key
    return COLUMNS[key][LANG.get(lang, 2)].format(cur=currency or "…")


def status_word(lang: str, status: str) -> str:
    """A run's status (``optimal``, ``feasible``, …) in words (the code when it has none)."""
    return word(lang, f"status_{status}") if f"status_{status}" in WORDS else str(status)


def word(lang: str, key: str, **kw) -> str:
    s = WORDS[key][LANG.get(lang, 2)]
    return s.format(**kw) if kw else s
