package main

// modelsNotes is the hand-written part of docs/MODELS.md (kaval eval writes
// the tables above it).
const modelsNotes = `## Session 7: a police-desk labelled set of real posts, and what it says

**The set** (docs/LABELLING.md; internal/analyze/train/desk/labels.tsv): 2,000 real posts from ../shared/data
addressed to police handles (1,399 Mumbai 2019 tweets, 1,075 of them naming a police handle; 494 Bengaluru 2020
traffic and civic tweets; 107 tweets to companies' help desks), each read and labelled by one annotator with the
full taxonomy (or none), police emergency, complaint, urgency, place and station, keyed by a hash of the
normalised text (the repository holds no text). 1,500 are the pool's first posts in a fixed order stratified by
source; 500 more were picked by words of danger and crime, because real emergencies are rare: **7 of the 2,000 are
police emergencies, all in the keyword stratum**; 665 have no category (political chatter, replies, consumer
complaints to companies). A quarter (by key, 528 posts) is the police-desk dev split, read by no head that reads
desk labels; the rest (1,472) trains and is cross-validated with whole sources held out: the Mumbai, civic and
complaints data sets, each with every post drawn from it (` + "`" + `kaval train --cv desk|desk-complaint|emergency` + "`" + `).
**Agreement** (a second annotator, blind, on 197 of the stratified sample of 200; ` + "`" + `kaval label kappa` + "`" + `,
docs/LABELLING.md): Cohen's kappa 0.853 for the category (raw agreement 0.888), 0.877 for complaint, 0.817 for
urgency, 0.879 for whether a place is named; **the emergency flag's agreement is unmeasured** (no emergency in the
sample). The first annotator also wrote the lexicon phrases of this session after reading these posts.

**The session 6 engine on the set** (it never read these labels; all 2,000 posts; ` + "`" + `kaval label score --split
all` + "`" + ` at session 6's model): emergency precision 0.04, recall 3/7 (65 false alarms, mostly in the keyword stratum;
1.2% of the 1,500 stratified ordinary posts flagged); category top-1 0.567 among posts with a category (290 of
1,330 given none; police complaints 9/66, public order 15/74, information requests 5/35, spam 1/16, appreciation
35/67); complaint macro-F1 0.737.

**What changed, each chosen out of source:**

- *Category lexicons*: phrases for public order (hurt religious sentiments, hate speech, incite, human chain,
  banners, pandals), complaints against police (no action taken, no response, mute spectator, extortion, hafta),
  civic (footpaths, paver blocks, manholes, trees and Aarey, bus stops, railways, hawkers, road condition,
  digging), information requests (is it legal, till what time, how to file), traffic (autorickshaws, taxis,
  refusals, challans, number plates, bikers, jams, tolls), appreciation and nuisance (drums, dhol, hookah).
  Out of source (heads trained without the held-out source, lexicons as the engine applies them): category top-1
  0.632 → **0.694** (Mumbai 0.557 → 0.658, civic 0.778 → 0.769, complaints 1/7 either way). Optimistic: the
  phrases were written after reading these very posts.
- *The category head reads the desk labels* (the training three quarters, weight 4, a post labelled none a row
  with no category; they replace the Mumbai and civic collectors' labels of the same posts). Out of source with
  session 6's lexicons, top-1 0.632 without them, 0.633 / 0.635 / 0.638 at weight 1 / 2 / 4 (Mumbai 0.557 →
  0.566), with this session's lexicons 0.694 → 0.696 (Mumbai 0.658 → 0.659, civic 0.769 → 0.772): a gain within
  noise, taken because the issue asks the set to train the engine and it did not cost out of source. The head now
  has lanes for police_complaint, public_order, appreciation and information_request (≥ 30 positives).
- *Complaint*: the desk labels did **not** help the complaint head out of source (macro-F1 on held-out sources
  0.683 without, 0.687 / 0.679 / 0.676 / 0.665 at weight 0.5 / 1 / 2 / 4), nor did moving its threshold
  (offsets −1.5 … +0.5: best +0.25, 0.698, within noise and measured on uncalibrated heads): the complaint head is
  session 6's.
- *Emergency rules* (analyze.EmergencyRule): "still", "fast", "quick" and "happening" no longer say now ("still
  not repaired", "fast moving traffic", "accidents are happening"), and danger named as a risk ("may cause an
  accident", "before any untoward incident", "accident prone", "life threatening potholes") is not an event
  (hypotheticalLexicon; the score is pulled down by 2). On leave-source-out logits (8 folds, crisis rows one in
  three; the threshold each variant would choose): crisis F1 0.755 → **0.769**, authored emergencies 31/36 →
  32/36 (precision 32/33), desk posts of the training part 3 of 4 emergencies caught with 60 → 57 false alarms,
  stratified ordinary posts flagged 1.4% either way (Mumbai 11/771, civic 5/288, complaints 0/58). A pull of 4,
  the weak words alone or the hypothetical markers alone: equal or worse; without the cry-for-help weight
  (Distress 0) 55 false alarms but crisis F1 0.766; incident weight 0.6: crisis F1 0.736. The emergency head
  itself is session 6's: reading the desk labels (weight 2, emergencies 4, in place of their data sets' rows) gave,
  with the same rules, crisis F1 0.763 (0.769 without), 58 false alarms (57), 1.3% flagged (1.4%), authored 31/36
  (32/36): no gain out of source, not adopted. Moving the threshold instead (the guard on ordinary posts of
  unseen desk sources, 2% shipped): at 1%, 22 false alarms and 2 of 4 emergencies on the desk posts, 0.5% of
  ordinary posts flagged, crisis F1 0.587; at 3%, 62 false alarms, 2 of 4, crisis F1 0.790. The head's threshold
  is chosen by ` + "`" + `kaval train` + "`" + ` on leave-source-out scores with the rules, so the new rules moved its bias by
  +0.12 (−2.753 → −2.633); every other head of the committed model is what a full ` + "`" + `kaval train` + "`" + ` from a clean
  checkout of the training code writes, byte for byte (verified this session: 59 minutes on the shared machine).

**Police-desk results** (` + "`" + `kaval label score --split dev` + "`" + `, scored once at the end; out of source from the CV
runs above; baseline: scripts/baseline.py desk, TF-IDF + class-balanced logistic regression fitted on the same
rows as the head with the same sources held out, the configuration picked on the out-of-source score):

| task | source | out of source (ours) | dev, once (ours) | baseline out of source | baseline dev |
|---|---|---|---|---|---|
| emergency | all desk posts | recall 3/4, precision 3/60 = 0.05; ordinary flagged 1.4% | recall 1/3, precision 1/21 = 0.05; ordinary flagged 1.3% (5/390) | recall 0/4 (Mumbai and civic held out: 7 false alarms) | recall 0/3, no post flagged |
| emergency | Mumbai / Bengaluru / complaints | flagged 11/771, 5/288, 0/58 | flagged 3/281, 2/90, 0/19 | | |
| category top-1 | all | 0.696 | **0.641** (225/351; none kept 128/175) | 0.413 | 0.487 (none kept 0.920) |
| category top-1 | Mumbai / Bengaluru / complaints | 0.659 / 0.772 / 1 of 7 | 0.561 / 0.810 / 2 of 5 | 0.349 / 0.536 / 0 of 7 | |
| complaint macro-F1 | all | 0.680 | **0.748** | – | 0.795 (C 1; the baseline reads the desk labels) |
| complaint macro-F1 | Mumbai / Bengaluru / complaints | 0.705 / 0.573 / 0.524 | 0.757 / 0.573 / 0.921 | 0.700 / 0.577 / 0.530 | |

Dev per category (top-1): traffic_parking 82/100, civic 97/121, noise_nuisance 17/24, public_order 9/25,
cybercrime_fraud 6/10, appreciation 5/15, rumour 4/4, theft 2/5, police_complaint **1/22**, information_request
**1/11**, womens_safety 1/7, spam 0/4. Emergency score reliability on the dev split (score bin: emergencies /
posts): [0, 0.1) 1/432, [0.1, 0.2) 1/47, [0.2, 0.5) 0/28, [0.5, 0.8) 0/5, [0.8, 0.9) 0/13, [0.9, 1] 1/3; on all
2,000 posts: [0.8, 0.9) 0/28 (0/47 at session 6). **The emergency score is not calibrated for a desk**: a score of 0.82
is the rules forcing a flag (sigmoid 1.5), and on these posts it meant an emergency 0 times in 13; the reliability
rows above are what moving the threshold does.

The collectors' own 20% category dev split (table at the top; now without the posts that carry a desk label,
8,806 rows) lost: traffic_parking F1 0.650 → 0.588, civic 0.945 → 0.930, noise_nuisance 0.409 → 0.281,
cybercrime_fraud 0.051 → 0. The new phrases follow the desk taxonomy (hawkers and trains are civic, music at night
is noise) where the collectors' 17 Mumbai categories and keyword-assigned civic labels draw other lines; the
choice was made on the desk labels out of source, as the issue asks, and this is its cost on the old labels. The
baseline for category and emergency is a class-balanced linear SVM (C 0.3 and 0.1), since class-balanced logistic
regression over 19 classes and 37,000 rows did not finish on the shared machine; it reads the desk labels in
every task (the export of the rows preceded the decision to leave them out of the emergency and complaint heads).

**Not met, honestly:** category top-1 ≥ 0.75 (0.641 on dev, 0.696 out of source; complaints against police and
information requests are mostly missed on dev although the lexicons and head improved them in training); complaint
macro-F1 ≥ 0.8 (0.748 dev, 0.680 out of source; the class-balanced baseline reading the desk labels scores 0.795
on dev); emergency precision ≥ 0.6 at recall ≥ 0.8 (0.05: with 7 emergencies among 2,000 real posts, flagging 1%
of ordinary posts is already five false alarms per real one); a calibrated emergency score. Met: at most 3% of
ordinary police-desk posts flagged (1.3% dev, 1.4% out of source). The dev figures rest on 3 emergencies and 351
categorised posts: ±0.05 on top-1.

## Session 6: triage that holds on police-desk posts, chosen out of source

The private held-out sets showed that choices tuned on the dev splits did not carry over to posts addressed to
the police: the emergency flag cried wolf on jams, noise, protests, scams already done and "please help" about
potholes; categories had a catch-all and never predicted spam, public order or complaints against police; scam
and civic reports were not complaints; landmarks did not route. Session 6 changed the emergency, complaint and
category heads and rules, the place gazetteer and one language rule, and **chose every one of those changes by
cross-validation with whole sources held out**, not on the dev splits; the dev splits were scored once, at the
end (table above). Reproduce: ` + "`" + `kaval train --cv emergency|complaint|category [--cv-sub N] [--cv-cache DIR]` + "`" + `
(prints the figures below and writes nothing), ` + "`" + `go test ./internal/analyze/place -run TestHeldOut -v` + "`" + `, and
for the baseline ` + "`" + `kaval eval --splits DIR` + "`" + ` then ` + "`" + `scripts/baseline.py DIR complaint_loso` + "`" + `.

**The authored desk set** (internal/analyze/train/desk/authored.tsv, 232 posts): posts in the style of what
citizens send a city police handle, **written by the developers, not sampled** from any platform or data set,
with a category, a police-emergency label and a complaint label each, in English, romanised Hindi and Kannada
and Kannada script, labelled by docs/LABELLING.md. It is the only training signal for spam, public order,
complaints against police, appreciation, information requests, rumours, lost and found, elderly and child
safety, and it gives the emergency head ordinary desk posts that are not emergencies (a jam with "please help",
noise, a protest, a scam already paid, a pothole). What it cannot tell: it is small, written by the people who
wrote the lexicons (so lexicon scores on it are optimistic even when it is held out), and not a sample of any
real desk's traffic. The issue's 2,000-post labelled sample of real posts with a second annotator is not done.

**Police emergency means danger now.** What changed (train.emergencyItems, analyze.emergencyLogit):

- *Negatives of exactly the kinds that cried wolf*: besides Mumbai's non-incident posts and the everyday
  tweets, the emergency head now reads one Bengaluru civic report in two (potholes, garbage, water, traffic and
  parking: 16,000 posts written to the city) and the complaints set's 1,730 tweets to organisations as
  negatives, and the authored desk set with its own labels (jams with "please help", noise, protests, scams
  already paid, potholes; and fires, crashes, assaults, a child gone, weight 2).
- *Rules that say danger now*: the incident lexicon keeps only threats to life or safety (fire, crash,
  injured, stabbed, trapped, drowning, collapse, riot…); theft, snatching, harassment, fights and threats count
  only with a word of immediacy ("right now"); a child reported missing is always an emergency (unless the post
  says it was last week); a cry for help alone ("please help", "urgent") adds 0.3 instead of 1.0 and no longer
  makes an emergency with "now" when the post is about a jam, a pothole, noise, a scam, a question or thanks;
  after-the-fact markers ("stolen yesterday", "money was debited", "for a week") pull down when no danger word
  is there.
- *Threshold out of source*: chosen on leave-source-out logits (8 folds: the training crisis events in 4, and
  Mumbai, civic, complaints and authored each a fold of its own), on the scores the engine computes (rules
  included), as the best crisis F1 that flags at most 1% of the everyday tweets **and at most 2% of the ordinary
  desk posts of sources the head did not read** (train.EmergencyDeskMaxFPR).

Out of source (` + "`" + `kaval train --cv emergency --cv-sub 3` + "`" + `: every figure from heads that never read the
source scored; crisis tweets subsampled one in three for speed; "crisis F1" is leave-events-out on the training
events, crisis relevance as the dev split):

| emergency head | crisis F1 | everyday flagged | Mumbai | civic | complaints set | authored ordinary | authored emergencies caught (precision) |
|---|---|---|---|---|---|---|---|
| before session 6 (shipped engine: out of source for civic, complaints, authored) | – | 3.9% (TweetEval val) | 4.7% (in training) | **11.5%** | 5.7% | 21.9% (43/196) | 32/36 (32/75 = 0.43) |
| no desk negatives, new rules, 2% guard | 0.538 | 0.5% | 2.0% | – | – | 0.5% | 30/36 |
| desk negatives, **head alone** (no rules) | 0.707 | 0.3% | 2.2% | 1.9% | 0.9% | 0.0% | 5/36 |
| **desk negatives + rules, 2% guard (shipped)** | **0.751** | 0.8% | **2.4%** | **1.8%** | **1.6%** | **0.5%** (1/196) | **31/36** (31/32 = 0.97) |
| same, incident weight 0.6 / 2 | 0.715 / 0.725 | 0.6% / 0.9% | 2.0% / 2.7% | 1.6% / 1.6% | 1.4% / 1.2% | 0.0% / 0.5% | 28/36 / 32/36 |
| same, cry-for-help weight 0 / 1 | 0.752 / 0.657 | 0.8% / 0.6% | 2.4% / 2.1% | 1.8% / 2.0% | 1.7% / 1.6% | 0.5% | 31/36 / 30/36 |
| same, after-the-fact pull 0 / 4 | 0.748 / 0.751 | 0.8% | 2.4% | 1.8% | 1.7% / 1.6% | 0.5% | 31/36 |
| same, desk guard 1% / 3% | 0.498 / 0.794 | 0.4% / 1.0% | 1.2% / **3.7%** | 0.8% / 2.3% | 0.6% / 2.0% | 0.0% / 0.5% | 26/36 / 32/36 |

So on ordinary posts to police and civic handles from sources it never read, the shipped flag fires on
1.6–2.4% (the issue's target: at most 3%), against 5.7–21.9% before, and it catches 31 of the 36 authored
emergencies with one false alarm among the 196 ordinary authored posts (before: 32 caught, 43 false alarms).
The rules are what catch danger in a desk's words (the head alone catches 5 of 36); the desk negatives are what
keep the crisis vocabulary (0.538 → 0.751 crisis F1 at the same guard). The 3% guard would gain crisis F1 but
flag 3.7% of Mumbai out of source, so 2% ships. Weights 1.2 (incident) and 2 (after) were kept from the
measured neighbours (equal or worse); a cry-for-help weight of 0 scores the same as 0.3 (0.752 against 0.751)
and either would do. None of the 25 Mumbai "violence", "harassment" and "missing person" posts is caught out of
source: read, they are calls to act against offensive posts and callers, not danger now. The share of authored
posts is the authors' own judgement of what a desk sees, not a measured rate. **Dev (scored once, at the
end)**: crisis F1 on the held-out events **0.887** (was 0.930; false alarms 738 → 286, misses 1,054 → 2,384): the flag no longer calls every prayer and
donation about a disaster an emergency (the dev labels are crisis relevance); the accuracy floor was lowered from 0.915 to
0.875. Not done: the emergency score is not calibrated as a probability (the flag is score ≥ 0.5, placed by the
guard); the guard rows above are what moving the threshold does, measured out of source.

**Complaint.** The complaint head now also reads the authored desk set (weight 2, as a desk correction), where
scam and fraud reports, civic reports and reports of crimes after the fact are complaints. Out of source (each
source scored by a head trained without it; complaints set by 5-fold as before; threshold 0, before the head's
out-of-fold calibration):

| training | complaints set 5-fold F1 | Mumbai held out, macro-F1 (recall) | civic reports held out, recall | authored held out, macro-F1 (recall) |
|---|---|---|---|---|
| before (complaints set + Mumbai) | **0.778** | 0.569 (249/1,079) | 0.504 (2,957/5,868) | 0.670 (95/161) |
| **+ authored desk set (shipped)** | 0.764 | **0.647** (696/1,079) | **0.618** (3,628/5,868) | 0.670 (95/161)¹ |
| + civic reports as complaints, weight 0.05 | 0.759 | 0.602 (920/1,079) | 0.618 | 0.650 (124/161) |
| + civic reports as complaints, weight 0.1 | 0.752 | 0.596 (944/1,079) | 0.618 | – |
| + civic reports as complaints, weight 0.3 | 0.711 | 0.600 (927/1,079) | – | 0.640 (132/161) |
| TF-IDF baseline, LR balanced C 1 (same rows) | 0.763 (dev-picked, above) | 0.584 (recall 0.666) | **0.698** | 0.667 (recall 0.683) |
| TF-IDF baseline, LR C 1 | – | 0.623 (recall 0.534) | 0.336 | 0.507 (recall 0.323) |

¹ with the authored set held out the head is the "before" head. Civic reports as complaint positives raised
recall on the desk sources but cost the complaints set and Mumbai out of source, so they are not used; the
authored set costs the complaints set 0.014 and gains Mumbai +0.078 and civic recall +0.11 out of source. The
class-balanced baseline catches more civic reports (0.698 against 0.618) at a lower Mumbai macro-F1; the issue's
police-desk target (complaint macro-F1 ≥ 0.8) is not reached out of source on any source here.

**Categories.** Every category can now win: the category head also reads the authored desk set (the heads
with ≥ 30 positives are still traffic_parking, cybercrime_fraud, womens_safety, noise_nuisance and civic; the
model keeps its 20 lanes), the lexicons gained phrases for every category (abandoned vehicles are
traffic_parking; protests, rallies and bandhs public_order; bribes, refusals to register an FIR and "nobody
came" police_complaint; promotions spam; "is this true" rumour…), "traffic police" no longer counts as a
traffic word (thanks to the traffic police are appreciation), and **a post gets its best category when none
reaches 0.5, if it scores at least 0.2** (analyze.CategoryFloor) instead of none. "emergency" is a category
only when the emergency flag is raised, so with a precise flag it is no longer a catch-all. Top-1 out of source
(each source's labelled rows scored by a head trained without that source, with the lexicons; rows labelled
emergency left out, the flag is not part of this measure):

| held out | lexicons alone: top-1 (no category) | head + lexicons, shipped: top-1 (no category) |
|---|---|---|
| Mumbai (875 labelled rows) | 0.486 (32.1%) | **0.656** (3.9%) |
| Bengaluru civic (23,237) | 0.676 (26.9%) | **0.692** (25.1%) |
| authored desk set (208)² | **0.865** (6.2%) | 0.846 (2.4%) |

² optimistic: the lexicons were written together with the set. The engine before session 6 scored 0.651 top-1
on the authored set with 10.8% of posts given no category (it had never seen the set: out of source for it),
the shipped engine 0.846 (LOSO). Per category (authored, held out, shipped): spam 11/12, public_order 14/15,
police_complaint 10/13, appreciation 9/13, womens_safety 13/17, traffic_parking 14/17, rumour 8/10,
information_request 10/13, cybercrime_fraud 14/15. Civic reports that name no category word (a quarter of the
civic set: "Air pollution", "Water filled together") still get none when its head is held out.

**Places.** The jurisdiction pack gained landmark layers with points from ../shared/data/bengaluru-places
(internal/geo/gen/landmarks.go: 83 metro stations, OpenStreetMap points of interest — malls, attractions, sports
centres, monuments, and restaurants and bars whose name is not a chain's or a single word — circles and squares,
and post offices named after their locality; roads and flyovers are left out, they cross stations; the school
list's names are abbreviations posts do not use). A landmark is routed by the station polygon that holds its own
point; "X metro (station)" is the metro station's point, while "X" alone stays the locality. Handles
(@BBMP, @BWSSB) are never places, and organisation names (BBMP, BWSSB, BESCOM, BMTC…) alone are not either:
"@BBMP" used to be read as a place in Indiranagar and to outrank the place the post named. Right station of
landmark names placed in five post templates (truth: the polygon holding the landmark's point):

| landmark names | before (wards, stations, aliases only) | **held out by source** (gazetteer built without that source) | in the gazetteer (shipped) |
|---|---|---|---|
| OpenStreetMap 2015 POIs (906 names; 662 held-out rows after the chain/one-word filter) | 1.7% (found 4.4%) | 2.7% (found 6.6%) | **71.5%** (found 73.6%; 98.8% of the filtered rows) |
| metro stations (83) | 33.7% (found 78.3%) | 43.5% (found 87.1%) | **100%** |
| post offices (291) | 53.6% (found 84.2%) | 53.5% (found 84.4%) | **87.3%** |
| held-out BBMP ward names (441, datameet) | 73.2% | – | 73.2% |

Held out by source, a landmark is found only when its name contains a locality ("Koramangala Club"), and then
the locality's station is right about half the time: most held-out POI names (restaurants) name no place at
all. The ≥ 0.8 target on held-out landmark names is not met; for names in the gazetteer it is. Routing a
ward-sized locality by its overlap with station polygons (a 16×16 grid over the ward, the station holding most
of it) was measured and not adopted: held-out wards 323 → 321 right, metro and post-office held-out figures
unchanged (the matched localities there are station names, which route to their own station).

**Places, session 7** (docs/PLACES.md, "Session 7"): wards and other areas are routed by their overlap with station
polygons and carry the plausible stations when two share them; school localities (1,482 names: layouts, colonies,
circles) and named roads (one point per OSM segment) joined the gazetteer; a name repeated across kinds is weighed as evidence. Held out by source, the fifth
(post offices + metro stations, one build without both): **56.6% right station** (51.2% before; target 0.8 not met);
` + "`" + `go test ./internal/analyze/place -run TestHeldOutLandmarks -v` + "`" + `.

**Places, session 8** (docs/PLACES.md, "Session 8"): 174 curated landmarks with points (hospitals, colleges, temples,
lakes, malls, tech parks, circles and junctions, bus and railway stations; written from knowledge of the city, median
0.16 km from the same names in the open sources, to be verified by the force); a handle is skipped whole
(` + "`" + `@bbmp_indiranagar` + "`" + ` no longer yields Indiranagar); ten post offices on a shared fallback geocode dropped from the pack
and the truth. Held-out fifth **58.1% right station first** (211 / 363; found 88.7%; 57.6% without the curated layer);
the same names in 13 sentence templates (English, Kanglish, Kannada script) 58.2%, found 88.3%; curated names held out
(what the open sources alone do with institutions) found 40.8%, right 23.8%. Target 0.8 not met; see PLACES.md for why
(` + "`" + `go test ./internal/analyze/place -run 'TestHeldOutLandmarks|TestLandmarkSentences|TestCuratedPointsAgree' -v` + "`" + `).

**The desk's own accuracy.** ` + "`" + `kaval eval --db URL` + "`" + ` scores the engine this binary embeds (places included) on the
corrections the desk's agents made (` + "`" + `internal/analyze/labels` + "`" + `): agreement by task, then per label how often the desk
gave it and the engine said it too (recall) and how often the engine said it and the desk agreed (precision), then
by ISO week in IST; for a category the engine agrees when its top category is the corrected one, for a station when
its best station is the one the desk set. It reads and writes nothing else. ` + "`" + `kaval train --db URL` + "`" + ` already trains on
the same corrections (weight of a desk correction, as the authored set); a station correction is kept for evaluation
only (the gazetteer is rules, not a trained head).

**Language, session 7.** Two causes of English posts called romanised, both measured on English sources the Latin
head never read: (1) the head had learned the @mention itself as a sign of romanised Hindi (SentiMix tweets open with
mentions): "@user He is so underrated and I love how pure he is" was hi-Latn at 0.89, and one TweetEval English tweet
in three was romanised; the second, place-masked pass of the head now blanks @handles too (a lone "@ name" is left
alone). (2) On short posts the head guesses: a romanised verdict now needs the head's best romanised class at
**0.85**, or **0.6** when the post has a romanised function word (` + "`" + `lang.RomanisedMin` + "`" + `, ` + "`" + `RomanisedMinMarked` + "`" + `); below,
the post is English. The bars were chosen by **leave-one-source-out** over 4 English and 5 romanised sources, equal
weight to the two sides (grid 0–0.98 × 0–0.98 × a word-count limit of 6/10/15/25/none); the folds chose 0.80–0.85 and
0.50–0.70 and never a word limit, and all sources together 0.85 / 0.6, which ship
(` + "`" + `go test ./internal/analyze -run TestLangThresholdCV -v` + "`" + `):

| held-out source | rows | right, no bar (handles masked) | right, bars chosen on the other sources |
|---|---|---|---|
| TweetEval offensive, training tweets (English) | 3,972 | 0.786 (0.649 before handle masking) | **0.962** |
| crisis tweets, training events (English) | 3,046 | 0.858 (0.676) | **0.982** |
| complaints set (English) | 1,730 | 0.867 (0.782) | **0.988** |
| Bengaluru civic reports (English) | 3,125 | 0.836 (0.797) | **0.983** |
| VarDial kn-Latn / ta-Latn / ml-Latn | 420 / 3,321 / 3,595 | 0.998 / 0.997 / 1.000 | 0.981 / 0.966 / 0.997 |
| KanCMD romanised | 3,295 | 0.996 | 0.984 |
| SentiMix (romanised Hindi) | 3,246 | 0.998 | 0.992 |

The romanised rows are texts the head was trained on, so their cost is understated there: on the language-ID dev
split (scored once, at the end) macro-recall fell **0.945 → 0.899** (English 0.891 → ~0.95; romanised Kannada,
Malayalam and Tamil lose most, to English), and the floor in TestDevFloors was lowered to 0.895. The honest fix is a
head cross-validated by source, which was not done. Written test sets (` + "`" + `internal/analyze/lang/testdata` + "`" + `, by us, never
used to choose): **109 of 110** short English posts are English (81 before; "OK thanks" is still kn-Latn), and the 20
Cyrillic, Greek, CJK, Thai, Hebrew, Armenian and Georgian posts are all ` + "`" + `und` + "`" + ` (TestShortEnglishAndOtherScripts). Not
covered: Latin-script languages other than English (Spanish, Indonesian…) are still called English or romanised;
Arabic script is ` + "`" + `ur` + "`" + `.

**Language, session 8: trying to win the dev split back.** Two more decision rules were measured on the same
sources, leave-one-source-out objective (mean of the English and the romanised sides) beside the dev macro-recall
(scored for this comparison only, not to choose):

| rule | bars | objective (out of source) | dev macro-recall |
|---|---|---|---|
| shipped: the best romanised class against the bar | 0.85 / 0.6 | **0.9817** | 0.899 |
| same, lower bars | 0.80 / 0.5 | 0.9816 | 0.914 |
| the whole romanised probability (1 − P(en)) against the bar | 0.85 / 0.6 … 0.95 / 0.8 | 0.967–0.978 | 0.918–0.939 |
| fall back to English only with ≥ 1 English function word | 0.85 / 0.6 | 0.968 | 0.920 |
| same, ≥ 2 English function words | 0.85 / 0.6 | 0.952 | 0.931 |

Every rule that wins dev back does it by calling more English posts romanised (TweetEval offensive 0.962 → 0.89–0.94),
so none was taken: dev stays 0.899 and the English out-of-source figures stand. Checked again on payload-shaped
posts (retweets with links, handles, hashtags, emoji, Cyrillic with a Latin place name): English or ` + "`" + `und` + "`" + ` as they
should be; a lone "Superb" is still kn-Latn (the KanCMD comments say it often).

**Language.** Latin-script text with a quarter or more of its letters in a script the engine does not name
(Cyrillic, Greek, CJK; the Latin letters then mostly handles and links) is ` + "`" + `und` + "`" + `, not romanised
Kannada (TestOtherScriptsAreNotRomanised). The "short post of English marker words is English" rule, kept to
posts that name a place, was measured again for every short post: language-ID macro-recall 0.9448 → 0.9346, for
1 more of the authored set's 151 English posts (5 of 151 still tagged romanised) and none of TweetEval val's
2,000 (16 not English either way): not adopted. The issue's one English post in seven tagged romanised comes
from real platform payloads we do not have; a test set of them is not built.

## The baseline on the same rows

The baseline column above is the figure the issue states. ` + "`" + `scripts/baseline.py` + "`" + ` fits that baseline — scikit-learn 1.2
(Debian's python3-sklearn), TF-IDF over word 1–2-grams and char_wb 2–5-grams (sublinear tf, min_df 2), logistic
regression (plain or class-balanced) or a linear SVM, C ∈ {0.1, 0.3, 1, 3} (emergency 0.01–1) — on exactly the
training rows our heads read and scores it on the same dev rows (` + "`" + `kaval eval --splits DIR` + "`" + ` writes them). The best
of its 12–15 configurations is **picked on the dev split itself**, so it is the most a tuned baseline scores here,
not what it would score on unseen data. Session 5, at this model:

| task | stated | reproduced, best on dev (configuration) | ours |
|---|---|---|---|
| sentiment English, macro-recall | 0.686 | 0.6887 (LR balanced, C 1) | **0.6936** (macro-F1 0.677) |
| sentiment Kannada, macro-F1 | 0.713 | 0.7171 (LR balanced, C 1) | **0.7305** |
| sentiment Hinglish, macro-F1 | 0.629 | 0.6200 (LR, C 0.3) | **0.6391** |
| offensive English / Kannada, macro-F1, one model | 0.725 / 0.779 | 0.7233 / 0.7867 (LR balanced, C 1); best for Kannada alone 0.7909 (LinearSVC, C 3: English 0.7009) | **0.731 / 0.783** |
| emergency, F1 on held-out events (crisis data, as the baseline) | 0.932 | 0.9203 (LinearSVC, C 0.01), flagging 2.5% of TweetEval val and 3.0% of SentiMix dev | **0.9296**, flagging 3.9% and 1.3% |
| emergency, trained on everything our head reads | – | 0.8878 (LR, C 0.1) | – |
| complaint, F1, 5-fold | 0.759 | 0.7628 (LR balanced, C 3; without the Mumbai labels 0.7560) | **0.778** |
| language ID (romanised), macro-recall | 0.834 | 0.9510 (LR balanced, C 3) | 0.945 |

What this says: the heads are classical linear models too, so on most tasks they are a little above a tuned
baseline, not far above it; the gains come from what the heads learn beyond one TF-IDF model per task (Hinglish:
label cleaning and the English tweets; complaint: the @handles; emergency: Mumbai incidents, everyday negatives
and the lexicons) at about 30× the speed the issue states for it (1,600 posts/s; ours 40,800–57,000 posts/s on
one core, docs/BENCHMARKS.md). The stated emergency figure (0.932) is not reached by
any configuration on the held-out-events protocol (crisis relevance, whole events held out), nor by ours; the
stated language-ID figure (0.834) must come from a harder split than our 15% hash split of the same sources, on
which the baseline is 0.006 above us (our head is tuned to mix the sentiment heads, not to win this split).
Kannada offensive: one configuration scores 0.008 above us on Kannada (585 comments) while scoring 0.030 below
us on English. The script takes 20–30 minutes on the 2-core machine.

## How the models are built

One feature space for every task, built like a TF-IDF union of a word and a character vectoriser: text
lowercased, digits folded to 0, elongations cut to two, URLs and @mentions replaced by placeholders; word
unigrams (with a negation scope of three words after not/no/never/nahi/illa…) and bigrams form the word block,
character 2–5-grams of each space-padded word the char block; every n-gram is hashed (FNV-1a over runes +
murmur finaliser) into 2^20 buckets. Each unique bucket gets sublinear tf (1+ln count) × idf, where idf
(smoothed, ln((1+N)/(1+df))+1) is computed over the distinct training texts of every task and stored per
bucket in the model (buckets seen in fewer than 2 training texts get idf 0 and are dropped, like
out-of-vocabulary words); each block is then L2-normalised.

Each task is a linear head trained as L2-regularised logistic regression (softmax, or one sigmoid per output)
by L-BFGS to convergence (≤ 80 iterations, deterministic: same data, same bytes), with class-balanced example
weights (capped at 5×). The inverse regularisation C of each head (train.C) was chosen on the dev splits
below from {0.1, 0.3, 0.5, 1, 2, 4}: **the dev splits are the model-selection split**, so these scores are
slightly optimistic; the held-out test sets were never seen. All heads share one bucket-major int8 table
(20 lanes, one scale per lane) so a post is one pass over its features, one contiguous 20-byte row each
(Accumulate first loads one byte of every row in a loop of independent loads, so the table's cache misses
overlap instead of waiting behind the multiply-adds; with linear codes it multiplies the int8 codes directly:
featurise + accumulate over 20,000 different posts went from 24.1 to 15.5 µs/post, min of 8 alternating runs
on the shared machine at load 6–11, scores unchanged).

**No dev text trains any head, nor counts in the idf** (train.Data.isDev). The data sets repeat texts
across their splits and across each other: 380 of KanCMD's 569 sentiment dev comments (and 336 of its 585
offensive dev comments) were romanised comments the language head trained on, 36 more are in VarDial, 108 of
the offensive dev comments are also KanCMD offensive *training* comments, 9 TweetEval offensive val tweets are
in its training file, and 109 SentiMix training rows normalise to a dev row. Since the language probabilities
mix the three sentiment heads for romanised text and pick the offensive head's language tag, every training
set (language, sentiment, offensive, emergency, complaint, categories, idf) now drops any text that is, or
normalises to (dupKey: case, URLs, @mentions and punctuation removed), a text of any dev split (TweetEval
sentiment and offensive val, KanCMD sentiment and offensive dev, SentiMix dev, the held-out crisis events);
the SemEval tweets the language head and the emergency negatives read are the near-duplicate-free pool the
English sentiment head already used. Language ID's own 15% hash split and the categories' 20% stay held out
of the heads that score them; they are carved from other tasks' training pools and no other head feeds
those scores. Dev figures before → after (4 decimals, same seeds): English sentiment macro-recall 0.6886 →
0.6861, Kannada macro-F1 0.7299 → 0.7296, Hinglish 0.6245 → 0.6241, offensive English 0.7278 → 0.7298,
Kannada 0.7839 → 0.7827, emergency 0.928 → 0.928, language ID 0.945 → 0.945, complaint 0.778 → 0.778,
categories unchanged. The emergency threshold stays −0.66, but with the everyday negatives free of TweetEval
val's near-duplicates the share of TweetEval val flagged rises from 3.8% to 4.4% (the 1% guard had been
tuned partly on those tweets).

**Decision offsets for the macro metrics** (train/calibrate.go): a head trained with balanced class weights
is near, not at, the decision rule that maximises macro-recall or macro-F1. For the English sentiment and complaint
heads, 3 models trained without one fold score the fold they did not see, and the class-bias
offsets (grid ±1.5 in 0.05 steps, neutral fixed) or the binary threshold (±3 in 0.02 steps) that maximise the
task's metric on these out-of-fold logits are added to the final head's bias, stored in the model. Only
training data takes part; the dev splits never do. Measured on dev: English sentiment +0.006 (offsets
negative +0.55, positive +0.20); offensive (before NBSVM) and complaint chose ≈ 0; the Kannada (−0.020) and
Hinglish (−0.005) sentiment heads lost, so they are not calibrated (train.Calibrate). **The English offsets
were dropped in session 5**: with the language head surer of English (train.LangCap) they cost the engine
0.0021 macro-recall on TweetEval val (0.6898 with them, 0.6919 without) and 0.031 macro-F1 (0.646 against
0.677; they bought negative recall with precision), Hinglish and Kannada unchanged to a tweet; the training
folds' class prior (positive-heavy) is not the dev split's.

**Emergency threshold**: 4 folds of whole training events (every event in one fold, so the threshold is
chosen for events never seen; the Mumbai and everyday negatives dealt by index) give leave-events-out logits;
the threshold is the one with the best F1 on the crisis tweets **that flags at most 1% of the everyday
negatives** (train.EmergencyMaxFPR). Without that guard the F1-optimal threshold (−1.5) flagged 21% of
ordinary English tweets; with it the threshold is −0.64 and the dev F1 rises from 0.854 to 0.904 (−0.84 and
0.930 today, see Emergency below). Share of ordinary posts the engine flags as emergencies at this threshold:
TweetEval sentiment val 3.9%, complaints set 5.7%, Mumbai non-incident reports 4.7%, SentiMix dev 1.3%
(at C = 0.1: 4.4%, 6.0%, 5.2%, 1.6%; before dev texts left training, see above: 3.8%, 5.9%, 5.1%, 1.5%;
at 0.904: 3.8%, 6.2%, 5.3%, 1.2%; before the guard: 1.3%, 3.8%, 3.1%, 0.4%).
` + "`" + `kaval train --select` + "`" + ` also reports the leave-events-out F1 of the emergency head for C ∈ {0.05, 0.1,
0.2, 0.5, 1}.

The int8 table loses a little to rounding (English sentiment macro-recall 0.688 in float, 0.681 in int8 before
calibration). Squared companding of the codes (model.Companding = 2: finer steps for small weights) was
measured: +0.001 English sentiment, −0.004 offensive English and −0.006 offensive Kannada, so the table stays
linear; int16 weights would double the model to 42 MB, over the 30 MB budget.

**Language ID and place names**: Latin text that names places from the Bengaluru gazetteer is scored by the
language head with those names blanked (the other heads read the whole text), and a short post (≤ 8 words) of
such a kind with at least half English marker words and no romanised function word is English, so "Fire near
Silk Board, help now!" is English, not romanised Kannada. With the gazetteer, romanised language-ID
macro-recall is 0.944 (0.945 without places); the same rule applied to every short post cost 0.011.

- **Language**: native scripts decide by letter counts; Latin text goes to a 5-class head (en, kn-Latn,
  hi-Latn, ta-Latn, ml-Latn) trained on VarDial 2021 (other-language → en), romanised KanCMD, SentiMix and
  SemEval; dev = a deterministic 15% hash split. Code-mixing = a second script with ≥ 20% of letters, or
  English marker words in romanised Indian text (or romanised function words in English). The head reads
  up to 20,000 texts a language (train.LangCap; 6,000 until session 5): all 11,791 romanised SentiMix
  training tweets, 20,000 English and 9,339 romanised Tamil ones (kn-Latn 3,285, ml-Latn 3,596). Its
  probabilities also mix the sentiment heads for romanised text, and a head surer of English and
  romanised Hindi leaves each data set's tweets more to its own head: through the engine English
  sentiment 0.6845 → **0.6904** macro-recall, Kannada 0.7245 → 0.7278, Hinglish 0.6292 → 0.6288 (one
  tweet), language ID 0.945 → 0.944 (the sentiment heads are the same bytes). Its log-loss on its dev
  split is lowest at power 1.0 of its probabilities (1.25 next: 0.1830 / 0.1847), so the mix stays
  unsharpened; sharpened, the mix would have scored English 0.6885/0.6881 and Kannada 0.7357 at power
  1.25/1.5 — Kannada's gain there is the one thing given up for calibration. The head's C then went from 4
  to 8, the lowest log-loss on its dev split (C 4/8/16/32: 0.1830/0.1754/0.1765/0.1800), which also
  sharpens it where it should be sharp: English sentiment 0.6919 → **0.6936**, Kannada 0.7261 → **0.7305**,
  Hinglish 0.6391 (unchanged), language ID 0.944 → 0.945.
- **Sentiment**: one head per language group (en; kn incl. other Dravidian; hi incl. Urdu) with a language
  tag feature. Native-script text uses its group's head; romanised text mixes the three heads by the
  language head's probabilities (an English tweet that looks a little Hinglish keeps most of the English
  judgement). The Hinglish head is trained one-vs-rest NBSVM-style (train.NBSentiment: per class, features
  scaled by √|r| of that class's Naive-Bayes log-count ratio against the rest, class-balanced, C = 1, scale
  folded into the lane): Hinglish dev macro-F1 through the engine 0.614 → 0.6245, English +0.001, Kannada 0.
  It also **learns from the English tweets by domain adaptation** (train.AdaptSentiment, trainOvRNBAdapt;
  Daumé's "frustratingly easy" feature augmentation): each feature is present twice, in a block shared by
  both data sets and one of its own data set's, each data set class-balanced on its own, and the head keeps
  the shared + Hinglish weights, one lane per class as before (no inference cost). Head alone 0.6278 →
  0.6317; through the engine **0.6245 → 0.6292**, while English moves 0.6861 → 0.6845 and Kannada 0.7272 →
  0.7245 (romanised text mixes the Hinglish head in; both within one standard error). The defaults were
  shipped (English weight 1, shared copy 1); the neighbours measured (English weight 0.3/2/3: 0.6259/0.6280/
  0.6247; shared copy 0.7/1.4: 0.6289/0.6282) say the gain is real but small.
  **SentiMix's likely label errors leave training first** (train.CleanSentiment, cleanLabels: "confident
  learning" in its simplest form): 5 one-vs-rest NB heads, each trained without one fold, score that fold,
  and a tweet whose own label gets a probability below 0.15 is dropped (1,206 of 13,890). Of a sample of
  90 dropped tweets, read, many contradict their label ("Wish you all the very best and do your best sir"
  and "Good morning … Bless me pita ji 🙏" neutral, abuse labelled positive) and some are right but hard
  ("Ek dam Faadu" positive, sarcasm); no desk correction is ever dropped. Head alone 0.6317 → 0.6376
  (threshold 0.10/0.20: 0.6335/0.6354; 0.15 was picked on dev, all three beat no cleaning); through the engine
  **0.6288 → 0.6395**, English 0.6904 → 0.6898 and Kannada 0.7278 → 0.7261 (romanised text mixes the
  Hinglish head in). The same cleaning of the English (4 folds of its softmax: 0.6925 → 0.6840/0.6876/
  0.6802 at 0.10/0.15/0.20) and Kannada heads (0.7291 → 0.7289/0.7246/0.7092) lost, and of the emergency
  head's crisis tweets (event folds) it left dev F1 flat at 0.10 (0.9298, TweetEval val flagged 2.6%) and
  lost at 0.20 (0.9229): those labels are cleaner, and what the folds doubt there is mostly hard, not wrong.
  English training removes near-duplicates of TweetEval val from the SemEval pool (same
  normalised text, or ≥ 50% shared word 4-shingles). KanCMD: unknown_state → neutral; Mixed_feelings and
  not-Kannada rows are left out of training and scoring.
- **Offensive**: one head over TweetEval offensive + KanCMD offensive (binary; not-Kannada rows dropped),
  with a language tag feature, trained NBSVM-style: each feature is scaled by √|r|, r its Naive-Bayes
  log-count ratio over the English training tweets (buckets seen in the Kannada comments keep scale 1), C = 3,
  and the scale folded into the stored weights, so inference is unchanged. Measured (float weights, dev):
  English 0.718 → 0.730, Kannada 0.776 → 0.782; r over both languages gave English 0.739 but Kannada 0.751.
  The same scaling lost on complaints (5-fold F1 0.752 → 0.680) and is not used there.
- **Emergency** (until session 6; see "Session 6" above for what changed: desk negatives, the authored set,
  source folds, the desk guard and the danger-now rules): training = CrisisLexT6 (on-topic = 1, off-topic = 0) and CrisisLexT26 (related and
  informative = 1, related-but-not-informative = 1, not related = 0) of every event except the dev
  events, Mumbai police incidents (violence, harassment, robbery, missing person; positive, weight 4), the
  other Mumbai categories and a 10% sample of everyday tweets in three languages as negatives; C = 0.2,
  the best **guarded leave-events-out F1 of the training events** (4 event folds, each fold's threshold as
  above, the dev events take no part): C = 0.05/0.1/0.2/0.3/0.5/1 0.798/0.809/0.817/0.814/0.808/0.798 (strong
  regularisation generalises across events better than memorising their names, up to a point). Dev = **whole
  events held out**: 2013 Queensland floods, 2013 Boston bombings (both collections) and 2012 Typhoon Pablo
  (T26), with the labels of the collections (T26 related-but-not-informative tweets are not scored, as before);
  threshold as above. Multilingual distress and incident lexicons then push up and figurative
  patterns ("this song is fire", "my inbox is a disaster") pull down. Dev F1 0.904 → 0.928 in two steps:
  (1) T26 related-but-not-informative tweets of the training events as positives (train.CrisisRelated; they
  are about the event, like T6's on-topic prayers and reactions, and leaving them out taught the head that
  only informative reports count): 0.904 → 0.911 (head retrained, threshold −0.66; everyday shares flat);
  (2) incident lexicon (analyze.incidentLexicon) widened with words for bomb, bombing, bomb blast/threat,
  explosive, terror(ist) attack, gunfire, gunman, shooter, hostage, evacuation, rescue team, stranded, trapped,
  casualties, wounded, death toll, tornado, hurricane, typhoon, wildfire, bushfire, tsunami, derailment,
  stampede, riot, and their Kannada/Hindi forms (ಬಾಂಬ್, ಸ್ಫೋಟ, ಭೂಕಂಪ, ಕಾಲ್ತುಳಿತ, बम, धमाका, विस्फोट,
  भूकंप, भगदड़): 0.911 → 0.928. These are general police and disaster words, but the list was written
  **after reading the dev errors** (most misses were Boston tweets naming "the bombing"), so this step was
  tuned on the dev split; "terror*" (+0.001, flagged political tweets: "terrorist list") and "victims",
  "rescue*" (+0.0001 each, "rescue dog") were measured and left out. Figurative uses stay down ("the bomb",
  "bombed" are figurative patterns; "this song is fire" 0.04, "that exam bombed lol" 0.00). Per-event
  balancing of the training crisis tweets (every event the same total weight) was measured and not adopted:
  0.904 → 0.886 (with related-but-not-informative: 0.896). The 0.932 baseline's protocol is not
  documented here; reproduced with scikit-learn 1.2 (TF-IDF word 1–2 + char_wb 2–5, sublinear, min_df 2,
  LogisticRegression C=1) on exactly this protocol (crisis data only) the baseline scores **0.864** F1
  (LinearSVC 0.809); on CrisisLexT6 alone with the same events held out, 0.834; counting T26
  related-but-not-informative as positive in both training and dev, 0.881. None reaches 0.932; ours (0.928)
  beats the reproduced one. **On the protocol**: the dev labels are crisis *relevance* (T6 on-topic includes
  prayers, jokes and opinions about the event; most of the 1,111 misses at 0.928 that we read are such tweets,
  e.g. "I hope everyone at the marathon is ok"), while the product's emergency flag is a police
  emergency with a 1% guard on everyday posts; the dev F1 therefore rewards flagging talk about a disaster,
  which the guard deliberately limits. The number is kept on this protocol, as before.
  (3) C 0.1 → 0.2 by that leave-events-out choice (it had been 0.1 by judgement): dev F1 0.9283 → **0.9296**
  (misses 1,098 → 1,054, false alarms 721 → 738; threshold −0.66 → −0.84), and fewer ordinary posts flagged
  (TweetEval val 4.4% → 3.9%, complaints 6.0% → 5.7%, Mumbai non-incident 5.2% → 4.7%, SentiMix dev 1.6% →
  1.3%); "this song is fire" 0.06. Measured and not adopted: the head trained NBSVM-style (√|r| scaling, as
  the offensive head; r per fold for the threshold) had the better leave-events-out F1 (C = 0.1/0.3
  0.827/0.818) but dev F1 only 0.9286 and flagged more ordinary posts (TweetEval val 5.2%, complaints 6.8%,
  SentiMix dev 1.9%).
- **Complaint**: complaints set + Mumbai complaint labels (weight 0.3) + since session 6 the authored desk set
  (weight 2); scored by 5-fold CV on the
  complaints set (idf from all texts, labels only from the training folds). The complaint head alone also
  reads **who the post is addressed to**: the parts of its @handles (model.HandleBuckets: "@FC_Help" → fc,
  help; "@VerizonSupport" → verizon, support; at most 8 per post, value 0.5 each, no idf), which the shared
  features replace by one placeholder. 5-fold F1 0.752 → **0.778** (accuracy 0.812 → 0.830); whole handles
  as well as parts 0.779, a "support-like handle" indicator alone 0.752, so the gain is from the handles the
  complaints set's tweets are addressed to (the same help desks recur across folds, as they would on a
  desk: @BlrCityPolice, @blrcitytraffic). Inference: 190 instructions per post of the chain's ~220,000
  (callgrind, BenchmarkAnalyze, one post in four with a handle); the other heads do not read these buckets.
  Measured and not adopted (5-fold F1): the engine's sentiment (negative − positive) as a feature, ×1/×2/×4,
  0.756/0.756/0.756 (and with handle parts 0.772); a count of 45 complaint-marker words/phrases 0.749
  (with sentiment 0.755); a word-only or char-only head blended into the weights (free at inference) at
  0.5/0.3: word 0.751/0.757, char 0.748, both 0.751.
- **Measured and not adopted** (float weights, same seeds): Hinglish head alone (before domain adaptation) —
  C 0.3–4 balanced 0.610–0.619, unbalanced 0.613–0.627 (best C = 1); word-block scale (unbalanced, C = 1) 0.7/1.4/2 0.624/0.621/0.614;
  SentiMix tokenisation undone (“@ name” → “@name”, split URLs → one URL) 0.620–0.625. Complaint 5-fold F1 — Mumbai
  weight 0/0.3/1 0.749/0.752/0.728; idf per fold (Mumbai weight 0) 0.741–0.752; C 0.5–4 0.734–0.752; word-block
  scale 0.7/1.2/1.4/2 0.751/0.754/0.754/0.739; nested out-of-fold threshold 0.745. None reaches 0.629 / 0.759.
  Structural differences from scikit-learn, measured on the Hinglish head alone (float, dev macro-F1, C 0.5/1/2,
  unbalanced/balanced): an exact per-task vocabulary reproducing TfidfVectorizer (word 1–2 with its \w\w+ tokens,
  char_wb 2–5 as sklearn pads and splits, min_df 2, sublinear tf, per-task idf, no hashing) 0.610–0.622; our
  hashed features with idf over the Hinglish texts only 0.610–0.623; our shipped features (shared idf)
  0.615–0.627 — so hash collisions, shared idf, min_df and padding are not what separates us from 0.629 here.
  Also measured (head alone): squared-hinge one-vs-rest (a LinearSVC) C 0.05/0.2 0.625–0.627 unbalanced,
  0.604–0.610 balanced; SemEval English (and KanCMD) tweets added at weight 0.1/0.3/1 0.626/0.621/0.620
  (0.624/0.621/0.616); averaging the weights of the softmax and the NB heads 0.617–0.626; OvR NB with |r| instead
  of √|r| 0.624–0.628. Through the engine: softmax unbalanced C = 1/0.5 0.624/0.621, OvR NB unbalanced 0.6255
  (English 0.687, thinner than the balanced NB head's 0.689, so the balanced one ships). Complaint 5-fold F1:
  NBSVM with r from the complaints folds only (not Mumbai) C 0.5/1/2 0.750/0.758/0.755 (√|r|), 0.747 (|r|);
  squared hinge C 0.05/0.2 0.747/0.751; softmax+NB weight average 0.751; unbalanced 0.457 (threshold 0 no longer
  fits). All within about one standard error (≈ 0.008 Hinglish, ≈ 0.015 complaint) of each other.
  Session 3, Hinglish (dev macro-F1 through the engine, 0.6245 shipped): the engine loses only 0.003 to the
  Hinglish head alone (0.6274), so mixing is not where the gap is; mixing the heads' logits instead of
  probabilities 0.6260 (Kannada −0.003), sharpened language probabilities (p², p⁴) 0.6231/0.6242, the
  language argmax 0.6243, a fixed 10/20/30% of the Hinglish share moved to the English head 0.6258/0.6254/0.6224
  (to the Kannada head 0.6220/0.6254/0.6239); a word-only or char-only OvR NB head blended into the weights at
  0.3 0.6217/0.6223; VADER valences folded into the unigram weights (strength 0.05–0.4) 0.6230–0.6210.
  Session 4, Hinglish, **a different model class blended with the linear head** (measured, not shipped): a
  one-hidden-layer network over the shared sparse features (buckets hashed into 2^18 embedding rows of H
  int8 codes, tanh hidden layer, softmax; plain SGD over a seeded shuffle, class-balanced, learning rate decayed
  linearly to 0, so deterministic). Head alone, dev macro-F1, H/epochs/rate: 16/3/0.1 0.615, 32/4/0.05 0.614,
  16/8/0.2 0.601, 32/10/0.5 0.600, 16/5/1 0.540; its probabilities blended with the linear head's (0.6278
  alone) at α = 0.2/0.3/0.4/0.5/0.6/0.8: 0.575–0.626 over all five nets (best 32/4/0.05 at α = 0.5: 0.6255).
  No α, even one picked on dev, beats the linear head alone, so no blend weight was cross-validated and
  nothing ships (no inference cost). A fastText-style input (the same buckets, each with value 1/n instead
  of tf-idf) did not learn at 5–10 epochs, rate 0.2–1 (alone one class, 0.15–0.16; blends ≤ 0.6274).
  Session 4 also measured and did not adopt (head alone unless said; English macro-recall 0.6925 and Hinglish
  macro-F1 0.6278 before): the English head's logits stacked as three features of the Hinglish head 0.6267–
  0.6283; VADER lexicon features (positive and negative sums, counts, maxima, last valence, with negation) in
  the English head at scale 0.1/0.2/0.3/0.5/1: 0.6897/0.6946/0.6988/0.6940/0.6923 (no trend: noise); a
  romanised phonetic skeleton of every Latin word as an extra unigram: Hinglish 0.6279, English 0.6797–0.6885;
  character n-grams up to 4 or 6 instead of 5: Hinglish 0.6175/0.6259; hashtag parts (#prayforboston → pray,
  for, boston) as extra unigrams: English 0.6882, emergency dev F1 0.9296 → 0.9298; the English head as
  one-vs-rest NB 0.6743 (adapted with the Hinglish tweets 0.6827), or adapted as a softmax with the Hinglish
  and Kannada tweets 0.6776; tighter L-BFGS convergence (Hinglish 0.6272–0.6275); sharpening the language
  probabilities that mix the heads is not supported by the language head's own calibration (log-loss on its
  15% dev split is lowest at power 1–1.5), so it was not adopted although p² scored English 0.6849 → 0.6902.
  **Int8 rounding costs nothing measurable** (English head 0.6925 float, 0.6935 int8; Hinglish 0.6278 both).
  English sentiment through the engine (0.6845) sits below the head alone (0.6925) because romanised text
  mixes the three heads by the language probabilities and the SemEval tweets are romanised text too; the
  out-of-fold class offsets of the English head lose 0.006 on the head alone but gain 0.0014 through the
  engine, and stay (until session 5: with the new language head they lost through the engine too, and went).
- **Session 5, measured and not adopted** (head alone unless said): English sentiment with TweetEval's
  emotion tweets as extra training (joy/optimism positive, anger/sadness negative) at weight 0.5/1/2:
  0.6912/0.6893/0.6832 (0.6925 without); the adapted Hinglish head at C 0.5/2 0.6282/0.6276 (C 1: 0.6317),
  with the Kannada comments as a second aux domain 0.6279, NB ratio power 0.35/0.75 (√ shipped) 0.6281/0.6285,
  NB smoothing 0.5 0.6296, English weight 1.5 0.6308. Emergency (dev F1 with the engine's rules, 0.9294 at
  the shipped settings): everyday negatives one in 5 / 20 (one in 10 shipped) 0.9299/0.9293 (TweetEval val
  flagged 3.0%/4.6%, but complaints 5.7% → 6.0% and Mumbai non-incident 4.7% → 5.1% at one in 5); TweetEval
  hate, irony and emotion tweets as more everyday negatives 0.9287; Mumbai incident weight 2/8 (4 shipped)
  0.9297/0.9294; event-specific buckets (≥ 90% of their crisis occurrences in one training event) damped to
  0.3/0.5 of their value, so the head leans on words events share, 0.9287/0.9290. The emergency head is at the
  ceiling of this feature space on this protocol: every variant lands within ±0.001 of 0.9296.
- **Categories**: heads trained where data exists (Mumbai + Bengaluru civic, ≥ 30 positives), multilingual
  lexicons for every category of the taxonomy (analyze.Categories); desk labels from the labels table join
  the training set with ` + "`" + `kaval train --db URL` + "`" + `. cybercrime_fraud and womens_safety have too few labelled
  examples for a head (Mumbai "scam / fraud" and "harassment", 6 and 4 in the dev split, labels noisy: a "fraud
  call from the number …" is labelled otherwise, a damaged rooftop "harassment"); their lexicons (UPI, OTP, QR
  code, KYC, loan app, sextortion, digital arrest, ಒಟಿಪಿ, ಸೈಬರ್, ठगी; eve teasing, stalking, lewd comments,
  ಕಿರುಕುಳ, ಚುಡಾಯಿಸ, छेड़छाड़, chhedkhani) decide. On the Mumbai + civic dev split they flag 33 (1 labelled
  fraud) and 18 posts (0 labelled harassment), down from 45 and 24 once @handles stopped counting as words
  ("@Cheatedbuyer", "@cyber") and "flash*" / "stalk*" ("water is stalked") were narrowed.
- **Urgency**: emergency score, category weights, immediacy words (now, ಈಗ, abhi, turant), cries for help and
  repetition; never sentiment.
`
