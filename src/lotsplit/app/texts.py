"""The planner's app's own words in Swedish, Danish and English.

Everything else the app shows comes from where it is already worded: field labels, help
texts and choices from the scenario workbook (:mod:`lotsplit.scenario.fields`), metric
names and the solver's status from the workbook export (:mod:`lotsplit.export.xlsx_texts`),
the frontier's words from :mod:`lotsplit.export.texts`.

>>> t("sv", "run")
'Beräkna'
>>> t("da", "n_problems", n=2)
'2 problemer'
"""

from __future__ import annotations

from lotsplit import progress

LANGS = ("sv", "da", "en")

W: dict[str, tuple[str, str, str]] = {
    # ---------------------------------------------------------------- frame
    "app": ("lotsplit – delkontrakt", "lotsplit – delkontrakter", "lotsplit – lots"),
    "offline": ("Körs på den här datorn, utan nätverk.", "Kører på denne computer, uden netværk.",
                "Runs on this computer, without any network."),
    "nav_scenario": ("Scenario", "Scenarie", "Scenario"),
    "nav_change": ("Ändra", "Ændr", "Change"),
    "nav_plan": ("Indelning", "Opdeling", "Plan"),
    "nav_frontier": ("Avvägning", "Afvejning", "Trade-off"),
    "nav_compare": ("Jämför", "Sammenlign", "Compare"),
    "nav_pack": ("Upphandlingsdokument", "Udbudsmateriale", "Tender pack"),
    "nav_open": ("Öppna ett annat", "Åbn et andet", "Open another"),
    "variant": ("Variant", "Variant", "Variant"),
    "choose": ("Välj", "Vælg", "Choose"),
    "busy": ("Ett arbete pågår redan: vänta eller stoppa det först.", "Et job kører allerede: vent, eller stop det først.",
             "A job is already running: wait for it or stop it first."),
    "not_found": ("Sidan finns inte (arbetsytan kan ha stängts). Öppna scenariot igen.",
                  "Siden findes ikke (arbejdsområdet kan være lukket). Åbn scenariet igen.",
                  "No such page (the workspace may have been closed). Open the scenario again."),
    "unexpected": ("Ett oväntat fel ({error}). Det är ett fel i lotsplit: rapportera det gärna.",
                   "En uventet fejl ({error}). Det er en fejl i lotsplit: rapportér den gerne.",
                   "An unexpected error ({error}). It is a bug in lotsplit: please report it."),
    # ---------------------------------------------------------------- home
    "home_title": ("Öppna ett scenario", "Åbn et scenarie", "Open a scenario"),
    "examples": ("Exempel som följer med", "Medfølgende eksempler", "Bundled examples"),
    "in_folder": ("Scenarier i {folder}", "Scenarier i {folder}", "Scenarios in {folder}"),
    "open": ("Öppna", "Åbn", "Open"),
    "open_path": ("Öppna en mapp eller fil på den här datorn", "Åbn en mappe eller fil på denne computer",
                  "Open a folder or file on this computer"),
    "path_help": ("Sökväg till en scenariofil (.toml eller .xlsx) eller till mappen den ligger i.",
                  "Sti til en scenariefil (.toml eller .xlsx) eller til mappen, den ligger i.",
                  "Path to a scenario file (.toml or .xlsx) or to the folder that holds it."),
    "upload": ("Ladda upp en scenarioarbetsbok", "Upload en scenariearbejdsbog", "Upload a scenario workbook"),
    "upload_help": ("En .xlsx-fil gjord med lotsplit template, högst {mb} MB.",
                    "En .xlsx-fil lavet med lotsplit template, højst {mb} MB.",
                    "An .xlsx file made with lotsplit template, at most {mb} MB."),
    "upload_button": ("Ladda upp och öppna", "Upload og åbn", "Upload and open"),
    "empty_template": ("Tom arbetsbok att fylla i", "Tom arbejdsbog at udfylde", "Empty workbook to fill in"),
    "no_scenarios": ("Inga scenariofiler (.toml, .xlsx) i {folder}.", "Ingen scenariefiler (.toml, .xlsx) i {folder}.",
                     "No scenario files (.toml, .xlsx) in {folder}."),
    "not_a_scenario": ("{name} är varken en scenariofil (.toml, .xlsx) eller en mapp.",
                       "{name} er hverken en scenariefil (.toml, .xlsx) eller en mappe.",
                       "{name} is neither a scenario file (.toml, .xlsx) nor a folder."),
    "upload_type": ("{name} är ingen Excel-arbetsbok (.xlsx).", "{name} er ikke en Excel-arbejdsbog (.xlsx).",
                    "{name} is not an Excel workbook (.xlsx)."),
    "upload_size": ("Filen är större än {mb} MB.", "Filen er større end {mb} MB.", "The file is larger than {mb} MB."),
    "upload_none": ("Välj en fil att ladda upp.", "Vælg en fil at uploade.", "Choose a file to upload."),
    # ---------------------------------------------------------------- scenario
    "problems_title": ("Scenariot kan inte användas ännu", "Scenariet kan ikke bruges endnu",
                       "The scenario cannot be used yet"),
    "n_problems": ("{n} problem", "{n} problemer", "{n} problems"),
    "n_problem": ("1 problem", "1 problem", "1 problem"),
    "problems_intro": ("Rätta allt nedan i filen och öppna den igen.", "Ret alt nedenfor i filen, og åbn den igen.",
                       "Fix everything below in the file and open it again."),
    "file": ("Fil", "Fil", "File"),
    "where": ("Var", "Hvor", "Where"),
    "what": ("Vad", "Hvad", "What"),
    "fix": ("Åtgärd", "Løsning", "Fix"),
    "warnings": ("Varningar och anmärkningar", "Advarsler og bemærkninger", "Warnings and notes"),
    "no_warnings": ("Kontrollen fann inga problem.", "Kontrollen fandt ingen problemer.", "The check found no problems."),
    "severity_warning": ("varning", "advarsel", "warning"),
    "severity_note": ("anmärkning", "bemærkning", "note"),
    "map_scenario": ("Områden, leverantörer och efterfrågan", "Områder, leverandører og efterspørgsel",
                     "Areas, suppliers and demand"),
    "map_hint": ("Klicka på en leverantör för att se vilka områden den når.",
                 "Klik på en leverandør for at se, hvilke områder den når.",
                 "Click a supplier to see the areas it reaches."),
    "legend_demand": ("Efterfrågan per år ({cur})", "Efterspørgsel pr. år ({cur})", "Demand per year ({cur})"),
    "legend_local": ("lokal leverantör", "lokal leverandør", "local supplier"),
    "legend_other": ("annan leverantör", "anden leverandør", "other supplier"),
    "legend_reach": ("når området", "når området", "reaches the area"),
    "reaches": ("Når {n} av {total} områden", "Når {n} af {total} områder", "Reaches {n} of {total} areas"),
    "areas": ("Områden", "Områder", "Areas"),
    "groups": ("Varugrupper", "Varegrupper", "Product groups"),
    "suppliers": ("Leverantörer", "Leverandører", "Suppliers"),
    "demand_total": ("Summa per år ({cur})", "I alt pr. år ({cur})", "Total per year ({cur})"),
    "reach_col": ("Når områden", "Når områder", "Reaches areas"),
    "everywhere": ("alla", "alle", "all"),
    "unlimited": ("obegränsad", "ubegrænset", "unlimited"),
    "scenario_facts": ("{areas}, {groups} varugrupper, {suppliers}; {value} per år, {years} år.",
                       "{areas}, {groups} varegrupper, {suppliers}; {value} pr. år, {years} år.",
                       "{areas}, {groups} product groups, {suppliers}; {value} per year, {years} years."),
    # ---------------------------------------------------------------- change
    "change_title": ("Ändra kostnader, villkor och mål", "Ændr omkostninger, betingelser og mål",
                     "Change costs, rules and the objective"),
    "change_intro": ("Ändringarna blir en variant av scenariot; grundscenariot lämnas orört. Samma kontroller som för filerna.",
                     "Ændringerne bliver en variant af scenariet; grundscenariet forbliver uændret. Samme kontrol som for filerne.",
                     "The changes become a variant of the scenario; the base scenario is left as it is. The same checks as for the files."),
    "variant_name": ("Variantens namn", "Variantens navn", "Name of the variant"),
    "apply": ("Använd ändringarna", "Brug ændringerne", "Apply the changes"),
    "form_file": ("formuläret", "formularen", "the form"),
    "form_problems": ("Ändringarna kan inte användas:", "Ændringerne kan ikke bruges:", "The changes cannot be used:"),
    "applied": ("Varianten {name} gäller nu ({n} ändrade fält).", "Varianten {name} gælder nu ({n} ændrede felter).",
                "The variant {name} is now current ({n} fields changed)."),
    "changed_fields": ("Ändrat mot grundscenariot", "Ændret i forhold til grundscenariet", "Changed from the base scenario"),
    "nothing_changed": ("Inget ändrat mot grundscenariot.", "Intet ændret i forhold til grundscenariet.",
                        "Nothing changed from the base scenario."),
    "save_variant": ("Spara som variantfil", "Gem som variantfil", "Save as a variant file"),
    "save_workbook": ("Ladda ner som arbetsbok", "Hent som arbejdsbog", "Download as a workbook"),
    "overwrite_variant": ("Skriv över en befintlig fil", "Overskriv en eksisterende fil", "Replace an existing file"),
    "saved_variant": ("Sparade {path}", "Gemte {path}", "Saved {path}"),
    "variant_exists": ("{path} finns redan; kryssa i ”Skriv över” för att ersätta den.",
                       "{path} findes allerede; sæt kryds ved ”Overskriv” for at erstatte den.",
                       "{path} exists already; tick “Replace” to replace it."),
    "variant_needs_toml": ("En variantfil bygger på en scenariofil (.toml); ladda ner arbetsboken i stället.",
                           "En variantfil bygger på en scenariefil (.toml); hent arbejdsbogen i stedet.",
                           "A variant file extends a scenario file (.toml); download the workbook instead."),
    "base": ("grundscenario", "grundscenarie", "base scenario"),
    "yes": ("ja", "ja", "yes"),
    "no": ("nej", "nej", "no"),
    # ---------------------------------------------------------------- run
    "run_title": ("Beräkna den bästa indelningen", "Beregn den bedste opdeling", "Find the best lot plan"),
    "run": ("Beräkna", "Beregn", "Run"),
    "stop": ("Stoppa", "Stop", "Stop"),
    "time_limit": ("Tidsgräns (sekunder)", "Tidsgrænse (sekunder)", "Time limit (seconds)"),
    "time_limit_bad": ("Tidsgränsen ska vara ett tal över 0 (sekunder).", "Tidsgrænsen skal være et tal over 0 (sekunder).",
                       "The time limit must be a number above 0 (seconds)."),
    "running": ("Beräknar …", "Beregner …", "Working …"),
    "stopping": ("Stoppar …", "Stopper …", "Stopping …"),
    "stage": ("Steg", "Trin", "Stage"),
    "candidate_lots": ("Kandidatdelkontrakt", "Kandidatdelkontrakter", "Candidate lots"),
    "incumbent": ("Bästa indelning hittills (målvärde)", "Bedste opdeling indtil nu (målværdi)", "Best plan so far (objective)"),
    "bound": ("Gräns (bästa möjliga)", "Grænse (bedst mulige)", "Bound (best possible)"),
    "gap": ("Gap", "Gap", "Gap"),
    "elapsed": ("Tid", "Tid", "Time"),
    "no_plan_yet": ("Ingen indelning beräknad ännu för varianten {name}.", "Ingen opdeling beregnet endnu for varianten {name}.",
                    "No plan computed yet for the variant {name}."),
    "status": ("Status", "Status", "Status"),
    "status_interrupted": ("stoppad: den bästa indelningen hittills, inte bevisat optimal",
                           "stoppet: den bedste opdeling indtil nu, ikke bevist optimal",
                           "stopped: the best plan found so far, not proven optimal"),
    "status_time_limit": ("tidsgränsen nåddes: bästa funna, inte bevisat optimal",
                          "tidsgrænsen blev nået: bedste fundne, ikke bevist optimal",
                          "time limit reached: best found, not proven optimal"),
    "status_bound_gap": ("gräns {bound}, gap {gap}", "grænse {bound}, gap {gap}", "bound {bound}, gap {gap}"),
    "infeasible": ("Ingen indelning uppfyller villkoren:", "Ingen opdeling opfylder betingelserne:",
                   "No lot plan satisfies the rules:"),
    "no_plan": ("Ingen indelning hittades", "Ingen opdeling fundet", "No plan was found"),
    "stopped_no_plan": ("Stoppad innan någon indelning hittades.", "Stoppet, før nogen opdeling blev fundet.",
                        "Stopped before any plan was found."),
    "failed": ("Det gick inte:", "Det lykkedes ikke:", "It did not work:"),
    "lots_table": ("Delkontrakten", "Delkontrakterne", "The lots"),
    "map_plan": ("Karta över indelningen", "Kort over opdelingen", "Map of the plan"),
    "chosen": ("vald indelning", "valgt opdeling", "chosen plan"),
    "choose_plan": ("Välj den här indelningen", "Vælg denne opdeling", "Choose this plan"),
    "chosen_now": ("{label} är nu den valda indelningen (den som går till upphandlingsdokumenten).",
                   "{label} er nu den valgte opdeling (den, der indgår i udbudsmaterialet).",
                   "{label} is now the chosen plan (the one that goes into the tender pack)."),
    "violations": ("Avviker från villkoren", "Afviger fra betingelserne", "Breaks the rules"),
    "headline": ("Nyckeltal", "Nøgletal", "Headline figures"),
    "lots_word": ("delkontrakt", "delkontrakter", "lots"),
    "run_label": ("Beräknad indelning för {name}", "Beregnet opdeling for {name}", "Best plan for {name}"),
    # ---------------------------------------------------------------- frontier
    "frontier_title": ("Nettokostnad mot lokal tillgänglighet", "Nettoomkostning mod lokal tilgængelighed",
                       "Net cost against local access"),
    "frontier_intro": ("Varje punkt är en indelning som ingen annan slår på både nettokostnad och lokal andel. Klicka på en punkt för att se den.",
                       "Hvert punkt er en opdeling, som ingen anden slår på både nettoomkostning og lokal andel. Klik på et punkt for at se det.",
                       "Each point is a plan that no other beats on both net cost and local share. Click a point to see it."),
    "frontier_run": ("Beräkna avvägningen", "Beregn afvejningen", "Compute the trade-off"),
    "points": ("Högst antal punkter", "Højst antal punkter", "At most this many points"),
    "no_frontier": ("Avvägningen är inte beräknad ännu för varianten {name}.",
                    "Afvejningen er ikke beregnet endnu for varianten {name}.",
                    "The trade-off has not been computed yet for the variant {name}."),
    "point": ("Punkt {label}", "Punkt {label}", "Point {label}"),
    "frontier_points": ("indelningar på fronten (ring: inte bevisat optimal)",
                        "opdelinger på fronten (ring: ikke bevist optimal)",
                        "plans on the frontier (ring: not proven optimal)"),
    "legacy": ("tidigare indelning", "tidligere opdeling", "previous plan"),
    "n_lots_head": ("Antal delkontrakt", "Antal delkontrakter", "Number of lots"),
    "baseline": ("jämförelse", "sammenligning", "baseline"),
    "on_frontier": ("på fronten", "på fronten", "on the frontier"),
    "kind": ("Slag", "Type", "Kind"),
    "chart_title": ("Avvägningskurva för {name}", "Afvejningskurve for {name}", "Trade-off curve of {name}"),
    "frontier_stale": ("Avvägningen hör till varianten {name}.", "Afvejningen hører til varianten {name}.",
                       "The trade-off belongs to the variant {name}."),
    # ---------------------------------------------------------------- compare
    "compare_title": ("Jämför varianter", "Sammenlign varianter", "Compare variants"),
    "compare_intro": ("Kryssa i de varianter som ska beräknas och ställas sida vid sida.",
                      "Sæt kryds ved de varianter, der skal beregnes og stilles side om side.",
                      "Tick the variants to solve and set side by side."),
    "compare_run": ("Jämför", "Sammenlign", "Compare"),
    "mc_title": ("Hur säkra är siffrorna? (Monte Carlo)", "Hvor sikre er tallene? (Monte Carlo)",
                 "How sure are the figures? (Monte Carlo)"),
    "mc_intro": ("Anbudsbenägenhet och efterfrågan är uppskattningar. Här dras stickprov kring dem (benägenhet med "
                 "standardavvikelse 0,1, efterfrågan ± 10 %, varje leverantör borta med 5 % sannolikhet), varje stickprov optimeras och den "
                 "valda indelningen räknas om i det: hur ofta den förblir bäst och hur mycket den lokala andelen "
                 "varierar.",
                 "Budtilbøjelighed og efterspørgsel er skøn. Her trækkes stikprøver omkring dem (tilbøjelighed "
                 "med standardafvigelse 0,1, efterspørgsel ± 10 %, hver leverandør væk med 5 % sandsynlighed), hver stikprøve optimeres og den "
                 "valgte opdeling genberegnes i den: hvor ofte den forbliver bedst, og hvor meget den lokale andel "
                 "varierer.",
                 "Bid propensities and demand are estimates. Samples are drawn around them (propensity with "
                 "standard deviation 0.1, demand ± 10 %, each supplier absent with chance 5 %), each sample is optimised and the chosen plan re-evaluated "
                 "in it: how often it stays the best and how much its local share varies."),
    "mc_samples": ("Stickprov", "Stikprøver", "Samples"),
    "mc_run": ("Beräkna osäkerheten", "Beregn usikkerheden", "Compute the uncertainty"),
    "mc_for": ("Variant: {name}", "Variant: {name}", "Variant: {name}"),
    "mc_none": ("Ingen osäkerhetsberäkning ännu.", "Ingen usikkerhedsberegning endnu.", "No uncertainty reading yet."),
    "compare_need": ("Kryssa i minst två varianter (skapa varianter under Ändra).",
                     "Sæt kryds ved mindst to varianter (lav varianter under Ændr).",
                     "Tick at least two variants (make variants under Change)."),
    "differs": ("Skiljer sig från den första", "Forskel fra den første", "Differs from the first"),
    "no_compare": ("Ingen jämförelse ännu.", "Ingen sammenligning endnu.", "No comparison yet."),
    # ---------------------------------------------------------------- pack
    "pack_title": ("Upphandlingsdokumenten", "Udbudsmaterialet", "The tender pack"),
    "pack_intro": ("Bilaga (offentlig), PM (internt), arbetsbok, kartor, GeoPackage, eForms-annons, OCDS och manifest för den valda indelningen.",
                   "Bilag (offentligt), notat (internt), arbejdsbog, kort, GeoPackage, eForms-bekendtgørelse, OCDS og manifest for den valgte opdeling.",
                   "Annex (public), memo (internal), workbook, maps, GeoPackage, eForms notice, OCDS and manifest of the chosen plan."),
    "pack_none": ("Välj först en indelning: beräkna en under Indelning, eller välj en punkt under Avvägning.",
                  "Vælg først en opdeling: beregn en under Opdeling, eller vælg et punkt under Afvejning.",
                  "Choose a plan first: run one under Plan, or pick a point under Trade-off."),
    "pack_write": ("Skriv upphandlingsdokumenten", "Skriv udbudsmaterialet", "Write the tender pack"),
    "pack_written": ("Skrivet till {path}", "Skrevet til {path}", "Written to {path}"),
    "pack_download": ("Ladda ner som zip", "Hent som zip", "Download as zip"),
    "pack_files": ("{n} filer", "{n} filer", "{n} files"),
    "pack_of": ("För indelningen {label}", "For opdelingen {label}", "For the plan {label}"),
    "pack_stale": ("Den valda indelningen har ändrats sedan dokumenten skrevs: skriv dem igen.",
                   "Den valgte opdeling er ændret, siden materialet blev skrevet: skriv det igen.",
                   "The chosen plan changed after the pack was written: write it again."),
}


# The loaders' problems (lotsplit.scenario) are worded in English, like the command line's.
# The app shows the common ones in the scenario's language: (pattern, Swedish, Danish),
# the pattern's groups kept.  A problem not listed here is shown as it is.
PROBLEM_WORDS: tuple[tuple[str, str, str], ...] = (
    (r"'(.*)' is not a number", "'{0}' är inte ett tal", "'{0}' er ikke et tal"),
    (r"enter a number, without units", "skriv ett tal, utan enhet", "skriv et tal, uden enhed"),
    (r"(.*) is not a whole number", "{0} är inte ett heltal", "{0} er ikke et heltal"),
    (r"enter a whole number", "skriv ett heltal", "skriv et heltal"),
    (r"'(.*)' is not yes/no", "'{0}' är varken ja eller nej", "'{0}' er hverken ja eller nej"),
    (r"choose yes or no \(ja/nej\) in the list", "välj ja eller nej i listan", "vælg ja eller nej på listen"),
    (r"'(.*)' is not one of the choices", "'{0}' är inte ett av valen", "'{0}' er ikke en af mulighederne"),
    (r"choose one of: (.*)", "välj ett av: {0}", "vælg en af: {0}"),
    (r"required field is missing", "uppgiften saknas", "oplysningen mangler"),
    (r"fill in the cell", "fyll i cellen", "udfyld cellen"),
    (r"fill in the field", "fyll i fältet", "udfyld feltet"),
    (r"Input should be greater than or equal to (.+) \(got (.*)\)", "värdet ska vara minst {0} (angivet: {1})",
     "værdien skal være mindst {0} (angivet: {1})"),
    (r"Input should be greater than (.+) \(got (.*)\)", "värdet ska vara större än {0} (angivet: {1})",
     "værdien skal være større end {0} (angivet: {1})"),
    (r"Input should be less than or equal to (.+) \(got (.*)\)", "värdet får vara högst {0} (angivet: {1})",
     "værdien må højst være {0} (angivet: {1})"),
    (r"Input should be less than (.+) \(got (.*)\)", "värdet ska vara mindre än {0} (angivet: {1})",
     "værdien skal være mindre end {0} (angivet: {1})"),
    (r"correct the value \(each field is documented in src/lotsplit/config\.py\)",
     "rätta värdet (se hjälptexten vid fältet och i arbetsboken)", "ret værdien (se hjælpeteksten ved feltet og i arbejdsbogen)"),
    (r"areas file not found at (.+)", "filen med områdena finns inte: {0}", "filen med områderne findes ikke: {0}"),
    (r"legacy plan '(.+)' not found at (.+)", "den tidigare indelningen '{0}' finns inte: {1}",
     "den tidligere opdeling '{0}' findes ikke: {1}"),
    (r"check (.+) in (.+) \(paths are relative to the scenario file\)",
     "kontrollera {0} i {1} (sökvägen räknas från scenariofilens mapp)",
     "kontrollér {0} i {1} (stien regnes fra scenariefilens mappe)"),
    (r"sheet (.+?), cell ([A-Z]+[0-9]+)(.*)", "blad {0}, cell {1}{2}", "ark {0}, celle {1}{2}"),
    (r"sheet (.+?), row ([0-9]+)(.*)", "blad {0}, rad {1}{2}", "ark {0}, række {1}{2}"),
    (r"sheet (.+?), column ([A-Z]+)(.*)", "blad {0}, kolumn {1}{2}", "ark {0}, kolonne {1}{2}"),
    (r"sheet (.+?), header row", "blad {0}, rubrikraden", "ark {0}, overskriftsrækken"),
    (r"sheet (.+)", "blad {0}", "ark {0}"),
)


def problem_words(lang: str, text: str, table: tuple[tuple[str, str, str], ...] = PROBLEM_WORDS) -> str:
    """A loader's problem text in ``lang`` (as it is when not listed or in English).

    >>> problem_words("sv", "'många' is not a number")
    "'många' är inte ett tal"
    >>> problem_words("da", "sheet Omkostninger, cell B3 (Omkostning pr. delaftale (DKK))")
    'ark Omkostninger, celle B3 (Omkostning pr. delaftale (DKK))'
    """
    return progress.translate(lang, text, table)


def t(lang: str, key: str, **kw) -> str:
    """The app's text ``key`` in ``lang`` (English when the language is unknown)."""
    words = W[key]
    s = words[LANGS.index(lang)] if lang in LANGS else words[2]
    return s.format(**kw) if kw else s


def n_problems(lang: str, n: int) -> str:
    return t(lang, "n_problem") if n == 1 else t(lang, "n_problems", n=n)


def pick_language(accept: str | None) -> str:
    """The first of sv/da/en in an ``Accept-Language`` header (English otherwise).

    >>> pick_language("da-DK,da;q=0.9,en;q=0.8")
    'da'
    """
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
        if code in ("nb", "nn", "no"):
            return "da"
    return "en"
