package main

// modelsNotes9 is session 9's hand-written part of docs/MODELS.md (kaval
// eval writes it above modelsNotes8): the sentiment, offensive and
// language heads out of source against the refitted baseline.
const modelsNotes9 = `## Session 9: out of source vs the refitted baseline

The issue's private test sets scored ` + "`" + `kaval analyze` + "`" + ` below the plain TF-IDF + linear baseline on English tweet
sentiment, Kannada–English sentiment and romanised Dravidian language ID: choices tuned on the dev splits did not
carry over. These three heads (and offensive) now have **out-of-source folds inside their training data**
(` + "`" + `kaval train --cv sentiment_en|sentiment_kn|sentiment_hi|offensive|lang [--cv-variants shipped,c=2,calibrate,…] [--cv-export DIR]` + "`" + `,
internal/analyze/train/headcv.go, langcv.go): every fold's head is trained by the code Build ships, swapped into the
current model, and scored **through the engine** (the language head's mixing of the sentiment heads included). The
refitted baseline (scikit-learn 1.2 from Debian, ` + "`" + `scripts/baseline.py DIR cv TASK` + "`" + `) reads exactly the same folds
(` + "`" + `--cv-export DIR` + "`" + `). Folds, by the data each task has:

- **English sentiment, by year**: train on SemEval 2013–2015 (18,799 tweets of the training pool), score all 29,355
  tweets of the 2016 files (the held-out set is a later year's, SemEval 2017). Metric macro-recall.
- **Kannada sentiment**: KanCMD is one source, as is its test split: 5 folds of its training split (4,427 comments),
  dealt by a hash of the text (a comment that recurs stays in one fold). Macro-F1.
- **Offensive**: 3 folds of TweetEval's and of KanCMD's training rows, one head over both as shipped. Macro-F1.
- **Language ID**: 3 folds of the VarDial rows (romanised Tamil, Malayalam, Kannada, other → en; the held-out set is
  VarDial's test split), every other source always training; macro-recall over VarDial's four classes, and the share
  of English posts of four sources the head never reads still called English.

Both sides use an idf fitted over every training text, the scored folds' texts included (no label reads it; ours
always has, and refitting the baseline's character n-grams per fold did not finish on the shared machine). The
baseline's configuration is **picked on the folds themselves** (the best of 2–3: class-balanced logistic
regression at C 1 and 3 and plain at C 1, the dev sweep's winners; a linear SVM for language ID), which flatters it.

| task | protocol | ours, out of source | refitted baseline, out of source | dev, ours | dev, baseline (session 5, best on dev) |
|---|---|---|---|---|---|
| English sentiment, macro-recall | by year: SemEval 2013–15 → 2016 (29,355 tweets) | **0.5845** (0.5787 before the offsets) | 0.5782 (LR balanced C 1) | 0.6895 (0.6936 before) | 0.686 stated, 0.6887 refitted |
| Kannada sentiment, macro-F1 | 5 folds of KanCMD train (4,427) | **0.7027** (0.6898 at session 8's C 0.5) | 0.6923 (LR balanced C 1) | 0.7024 (0.7305 before) | 0.713 stated, 0.7171 refitted |
| Hinglish sentiment, macro-F1 | 3 folds of SentiMix train | – (not run: see below) | – | 0.6394 (unchanged head) | 0.629 stated, 0.6200 refitted |
| offensive English / Kannada, macro-F1 | 3 folds of each training set, one head | **0.7296** / 0.7650 | 0.7201 / **0.7710** (LR balanced C 3) | 0.729 / 0.777 | 0.725 / 0.779 stated, 0.7233 / 0.7867 refitted |
| language ID (romanised), macro-recall | 3 folds of VarDial (14,429), other sources always train | **0.8275**, English kept 98.2% | 0.8089 (linear SVM, balanced, C 1) | 0.899 | 0.834 stated, 0.9510 refitted |
| complaint, police desk, macro-F1 | each desk source held out (session 8's protocol) | Mumbai **0.705**, civic 0.590, complaints 0.514 (session 8, head) | Mumbai 0.683, civic **0.618**, complaints **0.532** (LR balanced, best of C 1 / 3 per source) | 0.747 (session 8's 755-post split) | 0.752 (C 1) |
| category, police desk, top-1 | each desk source held out | Mumbai **0.666**, civic **0.783** (session 8) | Mumbai 0.346, civic 0.593 (linear SVM balanced, C 0.3) | **0.654** (same split) | 0.516 |
| emergency, police desk | each desk source held out | real desk posts P 0.31 R 0.85 (session 8) | Mumbai 0 of 5 caught (17 false alarms), civic 8 and complaints 2 false alarms, no emergency (linear SVM balanced, C 0.1) | P 0.36 R 0.89 (same split) | P 0.73 R 0.81 (22 caught, 8 false alarms) |

**What was chosen on these folds** (each setting measured through the engine; the dev splits were scored once, after):

- **Kannada sentiment, C 0.5 → 2.** C 0.25/0.5/1/2/4: macro-F1 0.670/**0.690**/0.702/**0.703**/0.702 (head alone
  0.669/0.690/0.701/0.702/0.699); without class balancing 0.590; one-vs-rest NBSVM 0.694. C 0.5 had been picked on
  the 569 dev comments, and that choice did not carry: on 4,427 comments out of fold it is 0.013 below C 2. On the
  dev split, scored once at the end, C 2 scores **0.7305 → 0.709**, and **0.702** with the English offsets below
  (romanised comments mix the English head in): the dev split disagrees with folds eight times its size, and the
  folds decide (the floor in TestDevFloors moved from 0.72 to 0.70 with this reason). Domain
  adaptation with the English tweets (as the Hinglish head) did not finish on the shared machine. Measured again
  with the English offsets below in the model (romanised comments mix the English head in): 0.7027.
- **English sentiment: out-of-fold class offsets back** (train.Calibrate; dropped in session 5 on a dev
  measurement). By year, macro-recall 0.5787 → **0.5845** (macro-F1 0.558 → 0.536, accuracy 0.577 → 0.544: the
  offsets buy the negative and positive classes' recall with precision, which is what macro-recall rewards; the
  held-out year is more negative than the training years). C 0.3/1/3 0.575/**0.579**/0.576 (C stays 1); without
  class balancing 0.544. The engine's mixing costs nothing out of source (head alone 0.5769, engine 0.5787).
- **Language ID: unchanged.** At the shipped romanised bars (0.85 / 0.6) VarDial macro-recall out of fold is
  **0.828** (other-language → en 0.701, Kannada 0.867, Tamil 0.873, Malayalam 0.869) with 98.2% of English posts
  kept English (TweetEval offensive 0.980, crisis 0.988, complaints 0.990, civic 0.971). Lower bars win VarDial
  back only by calling English romanised: 0.75 / 0.5 0.830 (English kept 96.5%), 0.65 / 0.45 0.831 (94.7%),
  0.55 / 0.4 0.818 (91.7%), no bars 0.791 (84.4%) — the "other-language" comments ("17 k view 119 k like", "Woow
  woww wow") are English to the bars, romanised to the head. Item 6 of the issue (plain English is not romanised)
  outweighs 0.003, so the bars stay; the short-English and other-scripts tests (TestShortEnglishAndOtherScripts)
  are unchanged and pass.
- **Offensive: unchanged** (out of fold English 0.730, Kannada 0.765 through the engine).
- **Hinglish**: its folds (label cleaning and domain adaptation retrained in every fold) did not run on the shared
  machine this session; ` + "`" + `kaval train --cv sentiment_hi` + "`" + ` is there for the next.

**Where this leaves the issue's "beats the refitted baseline out of source on every task"**: met for English
sentiment (+0.006; without the offsets +0.0005, a tie, as on the held-out set), Kannada sentiment (+0.011), offensive English (+0.010), language ID (+0.019) and police-desk
category (+0.32 / +0.19); **not met** for offensive Kannada (−0.006, within one standard error of ≈ 0.008 on 4,543
comments; no setting was tried this session), police-desk complaint on the civic and complaints sources (−0.028,
−0.018, the baseline's C picked per source), Hinglish (not run) and crisis relevance (another session's head).
The dev column moved the other way for English (0.6936 → 0.6895) and Kannada (0.7305 → 0.702), now below the
dev-tuned baseline on Kannada: the choices the dev splits had made were the ones that did not carry.

**Caveats.** The English folds mix in the shipped Hinglish head, which adapted with English tweets of every year
(2016's included), and the language head read the 2016 tweets as English; both leaks are small (the Hinglish share of
an English tweet's mix is small) and favour neither setting. The Kannada folds' comments were read by the language
head as romanised Kannada (a language label, not a sentiment), so the mix gives them to the Kannada head a little more
surely than unseen comments. The language-ID baseline is a linear SVM (session 5's dev choice, balanced logistic
regression at C 3, did not finish out of fold on the shared machine), so it may be stronger than shown. The police-desk
baseline rows are ` + "`" + `scripts/baseline.py DIR desk` + "`" + ` on ` + "`" + `kaval eval --splits` + "`" + ` of session 8's 2,908 labels and 755-post
dev split (exported at the start of this session; the emergency session has since grown the labels and the dev split:
see its section), beside session 8's out-of-source figures for ours on the same labels (ours was not re-run). Its emergency rows are not comparable with ours out of source: its
held-out sources (Mumbai, civic, complaints) hold 5 emergencies, ours also held out the crisis events (66 of 71); on
the dev split the baseline is far more precise than our flag (P 0.73 R 0.81 against P 0.36 R 0.89), with the same
caveat as ours there (23 of its 27 emergencies are tweets of crisis events both read in training).

Reproduce:
` + "`" + `` + "`" + `` + "`" + `
go build -o /tmp/kaval ./cmd/kaval
/tmp/kaval train --cv sentiment_en --cv-export /tmp/cvx --cv-variants shipped,c=0.3,c=3,unbalanced,calibrate
/tmp/kaval train --cv sentiment_kn --cv-export /tmp/cvx --cv-variants shipped,c=0.25,c=1,c=2,c=4,unbalanced,nb
/tmp/kaval train --cv offensive --cv-export /tmp/cvx
/tmp/kaval train --cv lang --cv-export /tmp/cvx
/usr/bin/python3 scripts/baseline.py /tmp/cvx cv sentiment_en sentiment_kn offensive lang
/tmp/kaval eval --splits /tmp/kaval-splits && /usr/bin/python3 scripts/baseline.py /tmp/kaval-splits desk
` + "`" + `` + "`" + `` + "`" + `
(The variants above were measured against session 8's model; ` + "`" + `shipped` + "`" + ` now means this session's settings.) The
English and Kannada rows of the table at the top were scored by TestDevFloors on this session's model (` + "`" + `go test
./internal/analyze/train -run TestDevFloors -v` + "`" + ` logs all three metrics); their confusion matrices below are session 8's
until the next full ` + "`" + `kaval eval` + "`" + `.

`
