package main

// modelsNotes8 is session 8's hand-written part of docs/MODELS.md (kaval
// eval writes it above modelsNotes).
const modelsNotes8 = `## Session 8: more real labels, a danger-now stage, and what out of source says

**Labels** (docs/LABELLING.md): the police-desk set grew from 2,000 to **2,908** real posts: 163 posts the session 7
engine scored ≥ 0.3 for emergency (its hard negatives), 597 chosen by words for the thin labels (protests, police
conduct, women, scams, lost and found), and 148 **crisis tweets of the training events** that name a handle (a new
pool source after the stratified ones; never the emergency dev events). Police emergencies 7 → **98** (crisis 89:
people on roofs asking for rescue, a hospital's generator dying, explosions and a derailment with injured just
reported; Mumbai 8; complaints 1). All new posts are in the keyword stratum, so ordinary-post shares are still
measured on the 1,500 stratified posts. **The emergency flag's agreement is now measured**: a second, blind
annotator on 161 earlier posts chosen without their labels (engine score ≥ 0.3 or danger words), kappa **0.744**
(raw 0.988; 4 and 4 emergencies, 3 shared), category 0.786, complaint 0.800. One labelling decision was revised
after the first measurements and before any dev scoring: crisis tweets relaying an explosion or a derailment with
injured *just reported* were first labelled not emergencies (news) and then emergencies, as the guideline's
definition ("a threat to life or safety happening or just happened") reads; prayers and later news stay not.

**Police emergency: a danger-now stage** (internal/analyze/danger.go; ` + "`" + `kaval train --cv danger --cv-sub 3 --cv-cache DIR` + "`" + `).
A logistic regression over 14 features — the rule-moved logit, the head's logit, the rule evidence taken apart
(danger words, a crime said to be happening now, a missing child, cries for help, immediacy, after-the-fact and
hypothetical markers, an everyday category's words, public order, women and children), and two lexicons written
this session after reading the labelled posts (a post that relays news or prayers; people at risk now: trapped,
on the roof, water rising, need rescue) — fitted on the labelled desk posts of the training part, the authored
set and everyday tweets (weight 0.2). **Everything is out of source**: every head logit comes from an emergency
head trained without the post's source (Mumbai, civic, complaints, authored, or the post's crisis event; 8 heads,
crisis rows one in three), every stage probability from a stage fitted without the post's source, and every
source's threshold is chosen on the other sources. Real desk posts of the training part: 71 emergencies (66
crisis, 5 Mumbai) among 2,153; stratified ordinary posts 1,110; authored 36 of 232; everyday tweets 6,583; crisis
relevance F1 is leave-events-out on 18,681 tweets of the training events (the dev split's protocol):

| decision | real desk posts: caught, false alarms, precision, F1 | ordinary flagged | everyday flagged | authored caught | crisis F1 |
|---|---|---|---|---|---|
| before (head + rules, session 7) | 60/71, 180, 0.25, 0.386 | 1.4% | 0.7% | 32/36 | 0.769 |
| the stage decides every post | 11/71, 66, 0.14, 0.149 | 0.5% | 3.1% | 15/36 | 0.40 |
| same, crisis tweets in the stage (weight 0.1) | 29/71, 83, 0.26, 0.317 | 1.4% | 0.1% | 6/36 | 0.61 |
| **the stage decides posts with a desk matter (shipped)** | 60/71, **131**, **0.31**, **0.458** | **0.9%** | 0.7% | 21/36 | 0.740 |
| same, but not posts that also name danger | 60/71, 172, 0.26, 0.396 | 1.2% | 0.7% | 30/36 | 0.761 |

The stage alone learnt the desk's notion and lost the crisis tweets' (relevance: prayers, donations, news), and
on crisis tweets it had almost no desk evidence to go on; so the shipped decision is a hybrid: where a post carries
a **desk matter** (an everyday category's words — a jam, a pothole, noise, a scam, thanks, a question — or an
after-the-fact marker: analyze.DeskMatter) the stage's probability decides, elsewhere the head and the rules as
before. Out of source that removes 49 of 180 false alarms on real desk posts at the same recall, flags 0.9% of
ordinary posts instead of 1.4%, and costs crisis relevance F1 0.029 (dev, scored once: 0.893 → **0.874**; the floor
was lowered from 0.875 to 0.865 for this trade) and 11 of the 36 authored emergencies under per-source thresholds
(crashes and fires written with road words). A garbage fire with "please help" is still flagged at this
threshold. Variants measured and not shipped: everyday weight 1 (everyday
tweets flagged 10.5% out of source), λ 0.1 and 10, authored weight 3, crisis weight 0.02, the stage as a veto of the
old decision below 0.02–0.2 (crisis F1 0.68 → 0.35 for 16 → 11 emergencies caught). **Threshold**: the highest
stage probability that still catches 80% of the labelled emergencies (real and authored) while flagging at most
3% of ordinary and 1% of everyday posts, on every source's out-of-source probability: **0.05**
(analyze.EmergencyThreshold). Reading the stage's probability as a probability is supported only where it
decides: on real desk posts with a desk matter, out of source, [0, 0.1) held 2 emergencies in 1,225 posts, [0.6,
0.8) 1 in 2, [0.8, 1] 0 in 2 — almost no desk-matter post is an emergency, and the stage says so; the rest of the
score (the head and the rules, flag at 0.5) is **not calibrated**: out of source, posts scored ≥ 0.8 were
emergencies 58 times in 135. **Not met**: precision ≥ 0.6 at recall ≥ 0.8 (0.31 at 0.85 out of source; on the dev
split 0.36 at 0.89), and a calibrated score everywhere.

**Complaint: a complaint stage, measured and not adopted** (analyze/complaint.go, ` + "`" + `kaval train --cv complaint-stage` + "`" + `):
the complaint head's out-of-source logit (a head trained without the post's source) with the lexicons' 18
category scores, a cry for help and an after-the-fact marker, so that scam and civic reports can count as
complaints and thanks and questions not. Macro-F1 on the real desk posts of the training part, each source held
out (thresholds chosen on the other sources): head alone **0.683** (Mumbai 0.705, civic 0.590, complaints 0.514,
crisis 0.515); stage λ 0.1 / 1 / 10: 0.681 / 0.677 / 0.661 (civic recall 202 → 201–203 of 243 either way, its
precision 0.60). No gain out of source, so the engine still flags a complaint on the head alone at 0.5.
**Not met**: complaint macro-F1 ≥ 0.8.

**Category**: the category head reads the 2,908 labels (weight 4, as chosen in session 7; emergency and spam now
have lanes, ≥ 30 positives). Out of source (` + "`" + `kaval train --cv desk --cv-desk-weights 4` + "`" + `, measured before the
crisis relabelling, which only touches emergency rows the measure leaves out): top-1 **0.696** (933/1,341; Mumbai
0.666, civic 0.783, complaints 1/12), none kept 188/698, floor 0.2 still best (0.35: 0.685, 0.5: 0.674). No lexicon
changed this session. The category "emergency" is given only when the flag is raised, so with fewer false alarms
it is less of a catch-all. The collectors' 20% category split (top table; 8,646 rows now that more posts carry a
desk label) moved traffic_parking F1 0.588 → 0.585, noise_nuisance 0.281 → 0.243, civic 0.930 → 0.934.

**Police-desk dev split, scored once at the end** (` + "`" + `kaval label score --split dev` + "`" + `, 755 posts: 533 Mumbai,
148 Bengaluru, 38 crisis, 36 complaints; 27 emergencies; session 7's committed model against this session's):

| task | session 7 engine | session 8 engine |
|---|---|---|
| emergency | P 0.34, R 0.89 (24 caught, 46 false alarms); ordinary flagged 1.3% | P **0.36**, R 0.89 (24 caught, **42** false alarms); ordinary flagged 1.3% |
| emergency, Mumbai / Bengaluru / crisis | 1/3 caught, 28 false / 0, 7 false / 22/23, 7 false | 1/3, 27 false / 0, **6** false / 22/23, **5** false |
| category top-1 | 0.643 (299/465) | **0.654** (304/465; Mumbai 0.590, Bengaluru 0.818) |
| complaint macro-F1 | 0.747 | 0.747 (head unchanged) |

**Caveat on the emergency rows above.** The 38 crisis posts of this dev split are tweets of the crisis training
events: the shipped emergency head read them during training, with the crisis set's own labels (it reads no desk
label; ` + "`" + `TestNoDeskDevTextInTraining` + "`" + ` checks that, and that with desk labels switched on no dev post would reach
it). The crisis row (22/23 caught) and so the split's overall recall are therefore optimistic; the Mumbai and
Bengaluru rows, and the out-of-source figures above (heads that never read the post's source), are the honest
ones. Keeping crisis tweets of the desk pool out of the emergency head's training needs a full ` + "`" + `kaval train` + "`" + `, left
for the next session.

**A trade on the demo traffic** (` + "`" + `TestPriorityShare` + "`" + `, scenario seed 42): with the danger-now stage the share of P1
posts fell from 4.9% to 3.8% overall, but forwarded rumours of a stabbing went from 0% to 3.0% P1 (the test's bound
for rumours moved from 2% to 3.5% with this written down). The rumour detector, not P1, answers those.

Dev per category (session 8): traffic_parking 100/122, civic 142/180, noise_nuisance 20/27, public_order 11/29,
police_complaint 6/31, appreciation 8/21, cybercrime_fraud 7/14, rumour 5/5, theft 3/6, information_request 1/13,
womens_safety 1/8, spam 0/6. **Not met**: category top-1 ≥ 0.75; police complaints, information requests,
women's safety and spam are still mostly missed.

**The out-of-source column for every task, as far as measured** (dev in the table at the top; out of source from
the cross-validations named; "–" where this protocol has not been run):

| task | dev (ours) | out of source (ours) | refitted baseline, out of source |
|---|---|---|---|
| sentiment en / kn / hi | see top | – (no by-year or by-source protocol run yet) | – |
| offensive en / kn | see top | – | – |
| emergency, crisis relevance | see top | 0.740 F1, leave-events-out (0.769 before this session) | 0.864 on the dev events (session 5, not out of source) |
| emergency, police desk | P 0.36 R 0.89 | P 0.31 R 0.85 (real desk posts, leave-source-out) | recall 0/4 on session 7's set (session 7) |
| complaint, police desk | 0.747 | 0.683 macro-F1 (real desk posts) | 0.584 Mumbai / 0.698 civic recall (session 6) |
| complaint, complaints set | see top | 0.764 F1, 5-fold (session 6) | 0.763 (session 6) |
| category, police desk | 0.654 | 0.696 top-1 | 0.413 on session 7's set (session 7) |
| language ID | see top | 0.962–0.988 English kept, leave-one-source-out (session 7) | – |

The refitted baseline (scripts/baseline.py desk) could not be run on the 2,908 labels this session: scikit-learn is
not installed on the machine and no package index was reachable; the baseline figures above are session 6 and 7's,
on their sets.

`
