package main

// modelsNotes9Category is session 9's hand-written part of docs/MODELS.md
// for the category and complaint decisions (kaval eval writes it above
// modelsNotes8).
const modelsNotes9Category = `## Session 9: category and complaint

**Labels** (docs/LABELLING.md, "Session 9"): 739 more real posts, chosen by words for the thin categories, mostly
Mumbai tweets naming a police handle: the set has **3,647** posts (police complaints 102 → 157, appreciation 89 →
148, spam 33 → 61, information requests 47 → 70, rumour 16 → 31, public order 106 → 129); 195 of them fall in the
dev split by key, which grows from 755 to 950 posts.

**How it was chosen: the heads out of source, cached** (` + "`" + `kaval train --cv desk-cache --cv-cache DIR
[--cv-old-keys FILE] [--cv-handle-hint W] [--cv-mumbai-none W]` + "`" + `; internal/analyze/train/deskcache.go). For each
source (Mumbai, Bengaluru civic, complaints; crisis for the complaint flag only) a category head and a complaint
head trained without any row of it score its labelled posts of the training part; the outputs are kept, and the
lexicons and the decisions built on the heads (category top-1, the complaint flag) are re-scored in seconds. The
dev split is never read. Top-1 counts the posts with a gold category other than emergency (as ` + "`" + `--cv desk` + "`" + `); with
session 8's lexicons on session 8's posts it gives 0.697 (session 8's ` + "`" + `--cv desk` + "`" + `: 0.696).

| category, out of source (1,681 training-part posts with a category; 1,341 of them labelled before) | top-1 all | Mumbai | civic | complaints | on session 8's posts |
|---|---|---|---|---|---|
| session 8's lexicons (the heads read the new labels) | 0.668 | 0.638 | 0.760 | 6/23 | 0.697 (lexicons and heads of session 8) |
| + phrases for the thin categories (categoryMoreLexicon) | 0.696 | 0.670 | 0.769 | 12/23 | |
| + agency handles as hints instead (handle hint 1, no new phrases) | 0.687 | 0.658 | 0.777 | 6/23 | |
| both, handle hint **1** (0.25 / 0.5 / 2: 0.711 / 0.715 / 0.706, with the row below) | 0.716 | 0.690 | 0.787 | 12/23 | 0.728 |
| **shipped**: both, and the collectors' uncategorised Mumbai tweets left out of the head | **0.717** | **0.690** | **0.793** | 12/23 | **0.730** |

- *Phrases* (internal/analyze/categories_more.go), in English, Hindi, Kannada and romanised: police inaction and
  no answer ("no reply yet", "police did not", "blind eye", "called 100", "कार्रवाई नहीं", "ಕ್ರಮ ಕೈಗೊಂಡಿಲ್ಲ",
  "koi action nahi"), thanks ("heartfelt", "wonderful job", "आभार", "ಶ್ಲಾಘನೀಯ"), questions ("which documents",
  "is it mandatory", "ಏನು ಮಾಡಬೇಕು"), spam (the Satlok/Sadhna TV campaigns tagged to police handles, giveaways,
  festival greetings), rumours ("spreading fake", "doctored", "ಗಾಳಿ ಸುದ್ದಿ", "jhoothi khabar"), public order
  ("spreading hate", "derogatory", "भड़काऊ", "ಕೋಮು"), traffic told apart from civic (vehicle numbers such as
  MH02…/KA01…, drivers, meters and fares, zebra crossings, road blocks and diversions) and civic (ward officers,
  unauthorised construction, stalls, dengue, white topping). "Any update" no longer counts as a question (a chase of
  an unanswered complaint is ` + "`" + `police_complaint` + "`" + `). They count for the category scores only (` + "`" + `categoryHits` + "`" + `), not for
  the lexicon evidence the emergency decision and the danger-now stage read, which stay as fitted: no emergency
  decision changed. **Optimistic**: the phrases were written after reading these posts (as in session 7).
- *Agency handles as hints*: a post copied to @mybmc, @BBMPCOMM, @bwssb, railways or BEST reads as civic, to
  @mtptraffic, @blrcitytraffic or @btppubliceye as traffic (one lexicon hit each, at most two; ` + "`" + `handleLexicon` + "`" + `).
  Handles are otherwise skipped, so that an organisation's name is not the subject.
- *The collectors' "no category"* (7,203 Mumbai tweets, session 8: rows with no category, negatives for every
  lane) hides protests, complaints against police, thanks and spam; left out of the category head (0.716 → 0.717:
  within noise out of source, where the Mumbai fold reads no Mumbai row either way; taken because those rows
  contradict the desk labels of the same kind of post). The collectors' 20% table at the top still scores them.
- Measured and not taken: a list of agency-reply phrases pulling every category down ("we have informed the
  concerned department"; on the first 3,336 labels 0.721 → 0.720).

Per category out of source (shipped; all 1,681 posts): traffic_parking 358/457, civic 577/640, appreciation 74/109,
noise_nuisance 42/73, police_complaint 40/109, public_order 34/94, spam 18/49, information_request 18/47,
cybercrime_fraud 21/49, rumour 12/20, womens_safety 4/16, missing_person 3/4, theft 3/3, lost_found 0/4. Most
confused: traffic → civic 63, public order → civic 44 (protests about trees and roads), civic → traffic 35,
police complaint → traffic 25 and → civic 24, appreciation → civic 23.

**Complaint** (` + "`" + `--cv desk-cache` + "`" + `, real desk posts of the training part, each source's by a head trained without
it, thresholds as shipped): the head alone 0.688 macro-F1 (Mumbai 0.710, civic 0.590, complaints 0.528, crisis
0.515); **a scam, theft, harassment, noise, drugs or police-conduct report is a complaint whatever the head says**
(` + "`" + `ComplaintByCategory` + "`" + ` "head+matter", shipped): **0.697** (Mumbai 0.724, civic 0.590, complaints 0.557, crisis
0.508). Measured and not taken: also unflagging thanks, questions and spam (0.692), the category alone (0.521),
thanks/questions/spam unflagged only (0.683), a logistic stage over the head's logit, the 18 category scores and
the first category, thresholds chosen on the other sources (λ 0.3 / 1 / 3: 0.643 / 0.634 / 0.623). The complaint
head is session 6's; civic posts remain the weak part (precision 0.61: commentary on roads and garbage with no ask
is labelled not a complaint). **Not met**: complaint macro-F1 ≥ 0.8 (0.697 out of source).

**Police-desk dev split, scored once at the end** (` + "`" + `kaval label score --split dev` + "`" + `; the 950 posts of this session's
labels, and the 755 of session 8's for comparison; session 8's engine is main's binary before this session's
commits, with its model):

| task | session 8 engine, 755 posts | session 9 engine, 755 posts | session 8 engine, 950 posts | **session 9 engine, 950 posts** |
|---|---|---|---|---|
| category top-1 | 0.654 (304/465) | 0.705 (328/465) | 0.657 (385/586) | **0.705** (413/586; Mumbai 0.663, Bengaluru 0.817, complaints 7/12) |
| complaint macro-F1 | 0.747 | 0.761 | 0.743 | **0.760** (Mumbai 0.796, Bengaluru 0.594, complaints 0.851, crisis 0.452) |
| emergency | P 0.36 R 0.89 | same (24 caught, 42 false alarms) | same | same |

Dev per category (session 9 engine, 950 posts; in brackets session 8's engine on the same posts): traffic_parking
121/142 (116), civic 192/212 (171), noise_nuisance 23/31 (23), appreciation 24/39 (24), police_complaint 14/48
(12), public_order 12/35 (15), rumour 9/11 (9), cybercrime_fraud 7/15 (8), spam 4/11 (2), information_request
2/23 (0), womens_safety 1/8 (1), theft 2/6 (2), lost_found 1/2, missing_person 1/2. On session 8's 755 posts the
thin categories did not move (police_complaint 6/31, appreciation 8/21, information_request 0/13 (1 before),
spam 0/6, public_order 10/29 (11), womens_safety 1/8): the gain is traffic told apart from civic (traffic 105/122,
civic 165/180) and posts given a category instead of none (given none 57 → 36 of 586). No emergency decision
changed (the new phrases and the handle hints do not feed it).

**Not met**: category top-1 ≥ 0.75 (0.705 dev, 0.717 out of source) and complaint macro-F1 ≥ 0.8 (0.760 dev, 0.697
out of source). What is left: complaints against police, questions and public order are still found one time in
three or less on dev. Out of source, their errors are mostly the head's civic and traffic lanes winning over one
lexicon hit (police complaint → traffic 25, → civic 24; public order → civic 44), so a learned combination of head
and lexicons (a category stage, as the danger-now stage is for emergencies), or weighing the lexicon per category,
is the next thing to measure with ` + "`" + `--cv desk-cache` + "`" + `; the complaint head itself, trained on companies' help desks,
is the limit for civic complaints (precision 0.61 out of source).

**Speed**: the new phrases and the handle hints are looked up in the same single pass (` + "`" + `BenchmarkRules` + "`" + `: 0
allocations, 5.6-9.5 µs before and 6.9-7.9 µs after per call, alternating binaries on the loaded shared machine:
within its noise; ` + "`" + `TestHandleHintsAllocateNothing` + "`" + `). Reproduce the out-of-source figures: ` + "`" + `kaval train --cv
desk-cache --cv-cache /tmp/c` + "`" + ` (the heads are trained once, ~25 minutes on the shared machine; later runs re-score
in seconds), ` + "`" + `--cv-handle-hint 0` + "`" + ` and ` + "`" + `--cv-mumbai-none 1` + "`" + ` for the variants, ` + "`" + `KAVAL_CV_NO_MORE=1` + "`" + ` for session 8's
lexicons, ` + "`" + `KAVAL_CV_SHOW=gold->given` + "`" + ` to read the confused training posts.
`
