package main

// modelsNotes9Emergency is session 9's hand-written part of docs/MODELS.md
// about the police emergency flag (kaval eval writes it above modelsNotes8).
const modelsNotes9Emergency = `## Session 9: emergency — an honest dev split, a head that reads the desk labels, a threshold for real posts

**The leak, fixed.** Until this session the shipped emergency head read every post of the police-desk dev split
with its data set's label: the 38 crisis tweets (crisis relevance labels), and the Mumbai, civic and complaints posts
(collector categories, "not an emergency"). ` + "`" + `emergencyItems` + "`" + ` now leaves out every dev post's text whatever its
source (` + "`" + `Data.deskDevText` + "`" + `), and ` + "`" + `TestNoDeskDevTextInTraining` + "`" + ` checks it with the desk labels on and off. The dev
figures below are the first for an emergency head that never read a dev post. (Still reading dev texts, not
changed here: the complaint head — ComplaintDeskLabels off — reads the split's Mumbai and complaints posts with
their data sets' labels; and the shared idf counts every desk post's text. Both need a full ` + "`" + `kaval train` + "`" + `.)

**What the 131 false alarms were** (` + "`" + `kaval train --cv danger --cv-sub 3 --cv-cache DIR` + "`" + ` prints them by kind;
every logit from a head that never read the post's source, every stage probability from a stage fitted without
it). By source and desk category: Mumbai none 26, Mumbai civic 23, crisis none 21, Bengaluru civic 19, complaints
none 10, Mumbai traffic 7, Mumbai appreciation 5, spam 4, the rest 1–4 each. By the part that decided: the
danger-now stage 56 (at its threshold of 0.05), the head and rules 75. By evidence: a danger word alone 31, a
danger word with a news or prayer word 25, with "help" 17, with "now" 13. Read, they were: civic complaints that
name a flood, a fire or a collapse (garbage set on fire, roads flooding, a wall collapsed "now"), which the stage
flagged at 0.05; flood news and statistics relayed to handles during #MumbaiRains ("08 dead, 14 injured on
28.07.19"), safety advice, jokes and commentary ("your ass is on fire", the Amazon fire); a streaming stick ("Fire
TV") and "fire this man"; customers asking a company for help "now"; and crisis-time news, prayers and jokes
among the crisis posts. The misses (11): families on roofs in Marikina written without a danger word, and a
Mumbai child and a woman in danger.

**What changed, each chosen out of source:**

- *Lexicons* (analyze: figurativeLexicon, consumerLexicon): a streaming stick and firing someone are not a fire;
  a customer's matter with a company (an order, an app, an account, customer care) is an everyday matter like the
  desk categories (the stage decides it, and "help" with "now" does not force a flag). Out of source 131 → 127
  false alarms, same recall, crisis relevance F1 unchanged (0.733). Optimistic: written after reading these
  false alarms.
- *The emergency head reads the desk labels* (EmergencyDeskLabels on, weight 4, a crisis post held out with its
  event): it did not help in session 7 with 4 real emergencies; with 71 it raises crisis relevance F1
  leave-events-out at session 8's threshold from 0.733 to 0.748 (before the stage 0.762 → 0.780), at the cost of
  more flags on ordinary desk posts (0.9% → 1.7%) and 136 false alarms instead of 127.
- *The stage's threshold*, 0.05 → **0.43** (analyze.EmergencyThreshold), by a new rule: the highest threshold that
  keeps crisis relevance F1 on held-out events at session 8's level (0.733, same logits) while catching 80% of the
  real desk posts' emergencies and flagging at most 3% of ordinary desk posts and 1% of everyday tweets. Session
  8's rule counted the authored set's emergencies in the 80% (crashes and fires written in road words), which held
  it at 0.05. The crisis guard is what binds, and it reads no desk source. With session 8's head the same
  threshold would have cost crisis F1 0.02 (0.713): the head that reads the desk labels pays for it.
- *Danger to people stays with the head and the rules* (analyze.DangerToPeople): at 0.43 the stage let through
  "Chain snatching happening right now near the bus stop, please help" (0.07) and "Accident on Hosur road flyover,
  two bikers injured, need ambulance" (0.41) — the engine's own tests — because it had read only 3 real
  emergencies with a desk matter. A crime said to be happening now, or two danger words with a cry for help, is
  now decided as a crisis post is. Out of source: 87 → 91 false alarms, same recall, authored 24 → 26 of 36,
  crisis F1 unchanged.
- *Calibration* (analyze.EmergencyCalibration): the published emergency score is now a Platt-calibrated
  probability, one map for each part of the decision (the head and rules' logit; the stage's logit), fitted on
  the real desk posts of the training part with every score out of source. The flag does not read it (decisions
  are unchanged by it; urgency reads the raw score as before).

Real desk posts of the training part, out of source (71 emergencies among 2,153; ordinary: the 1,110 stratified
non-emergencies; everyday tweets 6,583; crisis F1: leave-events-out on 18,669 tweets of the training events, rows
one in three; thresholds: session 8's rows per source chosen on the other sources, session 9's by the rule above):

| decision | caught | false alarms | precision | F1 | ordinary flagged | everyday flagged | authored caught | crisis F1 |
|---|---|---|---|---|---|---|---|---|
| session 8 (shipped), head without the dev leak | 60/71 | 131 | 0.31 | 0.458 | 0.9% | 0.8% | 21/36 | 0.733 |
| + lexicons | 60/71 | 127 | 0.32 | 0.465 | 0.9% | 0.8% | 21/36 | 0.733 |
| + head reads the desk labels (session 8's threshold rule) | 60/71 | 136 | 0.31 | 0.449 | 1.7% | 0.9% | 21/36 | 0.748 |
| + threshold 0.43 | 59/71 | 87 | 0.40 | 0.544 | 1.2% | 0.9% | 24/36 | 0.733 |
| **+ danger to people left to the head and rules (shipped)** | **59/71** | **91** | **0.39** | **0.534** | **1.3%** | 0.9% | 26/36 | **0.733** |
| session 8's head, lexicons, threshold 0.40 (not taken) | 59/71 | 78 | 0.43 | 0.567 | – | – | 24/36 | 0.714 |

The remaining 91 false alarms: Mumbai none 29, crisis none 21, Mumbai civic 14, complaints 7, the rest 1–4; the
stage now decides 6 of them and the head and rules 85 (a danger word alone 24, with a news word 19, the head alone
14). They are flood news, crisis-time news and prayers, and commentary: posts a crisis-relevance reader counts as
relevant, so the flag cannot drop them without losing the crisis sets, which score the same flag. **Not met**:
precision ≥ 0.6 at recall ≥ 0.8 (0.39 at 0.83 out of source).

**Calibration, out of source** (real desk posts; each source's posts calibrated by maps fitted on the other
sources; log-loss by source held out):

| score | log-loss all | Mumbai | civic | complaints | crisis |
|---|---|---|---|---|---|
| raw (published until session 9) | 0.142 | 0.130 | 0.031 | 0.247 | 0.642 |
| Platt, fitted without the source | 0.144 | **0.066** | **0.007** | **0.050** | 1.845 |

| score bin | raw: posts, mean, emergency rate | calibrated: posts, mean, emergency rate |
|---|---|---|
| [0, 0.05) | 1,238, 0.004, 0.000 | 1,545, 0.007, 0.018 |
| [0.05, 0.1) | 231, 0.074, 0.009 | 363, 0.071, 0.052 |
| [0.1, 0.2) | 350, 0.141, 0.003 | 151, 0.132, 0.099 |
| [0.2, 0.4) | 157, 0.275, 0.032 | 58, 0.288, 0.069 |
| [0.4, 0.6) | 62, 0.500, 0.113 | 21, 0.506, 0.095 |
| [0.6, 0.8) | 34, 0.695, 0.294 | 11, 0.700, 0.273 |
| [0.8, 1] | 81, 0.898, 0.568 | 4, 0.858, 0.000 |

The raw score was over-confident everywhere (a score of 0.9 meant an emergency 57 times in 100 over all sources,
and far less on ordinary desk posts). Calibrated by maps that never saw the source, the ordinary desk sources —
what a city desk receives — are calibrated: log-loss halved on Mumbai, a quarter or a fifth on civic and
complaints. The crisis posts held out are not: a map fitted without them has seen 5 real emergencies, and it gives
families on roofs probabilities of 0.01–0.15. The stage's map rests on 3 real emergencies. The shipped maps are
fitted on all four sources (71 emergencies): Head σ(1.129·l − 2.321), Stage σ(0.873·l − 2.284) of the part's logit
l; a flag raised by the head and rules shows 0.09 at its threshold and 0.74 at a logit of 3. **Partly met**: a
desk can read the score as a probability on ordinary posts; on crisis-like posts it is not calibrated out of
source.

**Crisis relevance on the emergency dev events** (` + "`" + `kaval eval` + "`" + `, top table, scored once at the end): F1 0.874 →
**0.868**. The out-of-source guard held crisis F1 on the training events at session 8's level (0.733 either way),
with no margin; on the dev events the flag lost 0.006. The floor (0.865, TestDevFloors) holds; nothing was tuned on
this figure.

**Police-desk dev split** (` + "`" + `kaval label score --split dev` + "`" + `, 755 posts, 27 emergencies; the first dev figures from
an emergency head that never read a dev post). It was scored twice: once at the threshold rule's model, and again
after the engine's unit tests showed the two canonical emergencies above missed (the change was chosen out of
source, as the table shows, not on dev):

| engine | emergency P / R (caught, false alarms) | ordinary flagged | Mumbai / Bengaluru / complaints / crisis |
|---|---|---|---|
| session 8 (its head had read the 38 crisis posts and the rest with their sets' labels) | 0.36 / 0.89 (24, 42) | 1.3% | 1/3, 27 false / 0, 6 false / –, – / 22/23, 5 false |
| session 9, threshold rule only | 0.53 / 0.89 (24, 21) | 0.8% | 1/3, 10 false / 0, 1 false / 1/1, 5 false / 22/23, 5 false |
| **session 9 shipped** | **0.47 / 0.89 (24, 27)** | **0.8%** | 1/3, 14 false / 0, 3 false / 1/1, 5 false / 22/23, 5 false |

Category top-1 on dev 0.649 (302/465; 0.654 before: the category "emergency" is given only with the flag) and
complaint macro-F1 0.747 are the other helpers' heads, unchanged here. **Not met**: precision ≥ 0.6 at recall ≥ 0.8
(dev 0.47 at 0.89 on 27 emergencies, ±0.1; out of source 0.39 at 0.83). Met: ordinary posts flagged ≤ 3% (0.8% dev,
1.3% out of source). Reproduce: ` + "`" + `kaval train --cv danger --cv-sub 3 --cv-cache DIR` + "`" + ` (session 9's rows, the false
alarms by kind, the calibration tables; ` + "`" + `--cv danger-nodesk` + "`" + ` for session 8's head), ` + "`" + `kaval train --only emergency` + "`" + `,
` + "`" + `kaval label score --split dev` + "`" + `. TestDeskDevFloors now also holds the dev split's emergency precision ≥ 0.30
and recall ≥ 0.70 (under the out-of-source 0.39 and 0.83).

| emergency task | dev (ours) | out of source (ours) |
|---|---|---|
| crisis relevance F1 | 0.868 (0.874 before) | 0.733 leave-events-out, training events (0.733 before) |
| police desk, precision / recall | 0.47 / 0.89 | 0.39 / 0.83 (real desk posts, leave-source-out) |
| police desk, ordinary posts flagged | 0.8% | 1.3% |

**Labels landed during the session.** Another helper's 739 more desk labels (3,647 posts) reached main before this
work landed; the shipped emergency head was retrained on them (` + "`" + `kaval train --only emergency` + "`" + ` on main's model, 83,404
rows). Every out-of-source figure above was measured on the 2,908 labels before; the dev split is now 950 posts and
scores the same (P 0.47, R 0.89: 24 caught, 27 false alarms; ordinary flagged 0.8%). The crisis-dev F1 of 0.868 was
measured on the head trained on the 2,908; the shipped one scores **0.867** (TestDevFloors, floor 0.865).

`
