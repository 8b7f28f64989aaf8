# lavaan 0.6 reference values for the second round of CFA checks (ordered items with high
# inter-item correlations, labelled markers, group order, second-order factors, equality
# constraints, lavTestLRT methods). Run from the repository root:
#   Rscript tests/reference/make_reference_cfa2.R
# Writes tests/reference/reference_cfa2.json and the data it used (msq400.csv,
# msq400_mar.csv, bfi_mar.csv), so the tests never need R.
suppressPackageStartupMessages({ library(lavaan); library(psychTools); library(jsonlite) })
out <- "tests/reference"
ref <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))))

# ---------------- data ----------------
# psychTools::msq: 4-category mood items (0-3); sleepy/drowsy/tired correlate .85-.91
MI <- c("sleepy", "drowsy", "tired", "wide.awake", "alert", "wakeful", "energetic", "lively", "active")
m <- psychTools::msq[, c(MI, "condition")]
m <- m[complete.cases(m), ]
set.seed(20261205)
m <- m[sort(sample(nrow(m), 400)), ]
m$grp <- ifelse(m$condition == 2, "film", "other")
m$condition <- NULL
# a near-copy of drowsy (two answers moved by one category): polychoric r above .999
m$drowsy2 <- m$drowsy
m$drowsy2[which(m$drowsy == 1)[1:2]] <- 2
rownames(m) <- NULL
write.csv(m, file.path(out, "msq400.csv"), row.names = FALSE)
# MAR: the tiredness items go missing more often for people who report being wide awake
mm <- m[, c(MI, "grp")]
awake <- mm$wide.awake >= 2
for (v in c("sleepy", "drowsy", "tired")) mm[runif(400) < ifelse(awake, 0.25, 0.04), v] <- NA
mm[runif(400) < 0.06, "energetic"] <- NA
write.csv(mm, file.path(out, "msq400_mar.csv"), row.names = FALSE, na = "")

# psych::bfi N, E, O: 400 rows with MAR missingness by age and gender, a few rows without
# gender, and the first row a woman with a missing answer (lavaan orders groups by all rows)
BI <- c(paste0("N", 1:5), paste0("E", 1:5), paste0("O", 1:5))
b <- psych::bfi[, c(BI, "gender", "age")]
b <- b[complete.cases(b), ]
b <- b[sort(sample(nrow(b), 400)), ]
b$gender <- ifelse(b$gender == 1, "male", "female")
young <- b$age < 25
for (v in paste0("N", 1:5)) b[runif(400) < ifelse(young, 0.10, 0.02), v] <- NA
for (v in paste0("E", 1:5)) b[runif(400) < ifelse(b$gender == "male", 0.06, 0.01), v] <- NA
first_f <- which(b$gender == "female" & !complete.cases(b[, BI]))[1]
first_m <- which(b$gender == "male" & complete.cases(b[, BI]))[1]
b <- b[c(first_f, first_m, setdiff(seq_len(400), c(first_f, first_m))), ]
b$gender[c(50, 150, 250)] <- NA
rownames(b) <- NULL
write.csv(b, file.path(out, "bfi_mar.csv"), row.names = FALSE, na = "")

# ---------------- helpers ----------------
fm <- function(fit) { f <- fitMeasures(fit); as.list(setNames(as.numeric(f), names(f))) }
pt <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE, remove.eq = TRUE)
  pe <- pe[pe$op != "==", ]
  g <- if (is.null(pe$group)) rep(1L, nrow(pe)) else pe$group
  list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = g, est = pe$est, se = pe$se, std_all = pe$std.all)
}
warned <- character(0)
keep <- function(expr) withCallingHandlers(expr, warning = function(w) {
  warned <<- c(warned, conditionMessage(w)); invokeRestart("muffleWarning") })
one <- function(fit) {
  list(fit = fm(fit), par = pt(fit), converged = lavInspect(fit, "converged"),
       groups = lavInspect(fit, "group.label"), npar = lavInspect(fit, "npar"))
}
lrt <- function(a, b, ...) {
  t <- lavTestLRT(a, b, ...)
  list(chisq_diff = t[["Chisq diff"]][2], df_diff = t[["Df diff"]][2], p = t[["Pr(>Chisq)"]][2])
}

# ---------------- WLSMV on 4-category items with high correlations ----------------
ONE7 <- "tiredness =~ sleepy + drowsy + tired + wide.awake + alert + wakeful + energetic"
TWO <- "tiredness =~ sleepy + drowsy + tired\nenergy =~ wide.awake + alert + wakeful + energetic + lively + active"
ref$msq_polychoric <- unclass(lavCor(m[, MI], ordered = MI))
ref$msq_one7 <- one(cfa(ONE7, data = m, ordered = MI))
ref$msq_two <- one(cfa(TWO, data = m, ordered = MI))
ref$msq_mar_pairwise <- one(cfa(TWO, data = mm, ordered = MI, missing = "pairwise"))
ref$msq_df0 <- one(cfa("tiredness =~ sleepy + drowsy + tired", data = m, ordered = MI[1:3]))
warned <- character(0)
NEAR <- "tiredness =~ sleepy + drowsy + drowsy2 + tired + wide.awake"
near <- keep(cfa(NEAR, data = m, ordered = c("sleepy", "drowsy", "drowsy2", "tired", "wide.awake")))
ref$msq_near1 <- one(near)
ref$msq_near1$warnings <- unique(warned)
ref$msq_near1$polychoric <- unclass(lavInspect(near, "sampstat")$cov)
# multi-group: thresholds weighted by (N_g - 1)/N_g, SEs on N - G
wsteps <- list(configural = "", metric = "loadings", scalar = c("loadings", "thresholds"))
wg <- lapply(wsteps, function(eq) cfa(TWO, data = m, ordered = MI, group = "grp", group.equal = eq))
ref$msq_grp <- lapply(wg, one)
ref$msq_grp$lrt <- list(
  scaled_shifted = lrt(wg$configural, wg$metric),
  mean_adjusted = lrt(wg$configural, wg$metric, scaled.shifted = FALSE),
  exact = lrt(wg$configural, wg$metric, A.method = "exact"))

# ---------------- labels, identification, convergence (continuous, bfi) ----------------
bc <- b[complete.cases(b[, BI]), ]
NE <- "neur =~ N1 + N2 + N3 + N4 + N5\nextra =~ E1 + E2 + E3 + E4 + E5"
ref$bfi_label_marker <- one(cfa("neur =~ a*N1 + a*N2 + N3 + N4 + N5\nextra =~ E1 + E2 + E3 + E4 + E5", data = b))
ref$bfi_label_marker_free <- one(cfa("neur =~ NA*N1 + a*N1 + a*N2 + N3 + N4 + N5\nextra =~ E1 + E2 + E3 + E4 + E5\nneur ~~ 1*neur", data = b))
ref$bfi_label_marker_b <- one(cfa("neur =~ b*N1 + a*N2 + a*N3 + N4 + N5\nextra =~ E1 + E2 + E3 + E4 + E5", data = b))
ref$bfi_equality <- one(cfa("neur =~ N1 + a*N2 + b*N3 + N4 + N5\nextra =~ E1 + c*E2 + d*E3 + E4 + E5\na == b\nc == d", data = b))
warned <- character(0)
noid <- keep(cfa("neur =~ NA*N1 + N2 + N3 + N4 + N5", data = b))
ref$bfi_not_identified <- list(warnings = unique(warned), npar = lavInspect(noid, "npar"))
short <- keep(cfa(NE, data = b, control = list(iter.max = 3)))
ref$bfi_not_converged <- list(converged = lavInspect(short, "converged"),
                              fit = tryCatch(fm(short), error = function(e) conditionMessage(e)))
# second-order factors: the classic Holzinger-Swineford model (a proper solution; on the
# bfi and msq data here lavaan finds negative disturbance variances or does not converge)
hs <- HolzingerSwineford1939
hsm <- read.csv(file.path(out, "hs_missing.csv"))
SOH <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ng =~ visual + textual + speed"
ref$hs_second_order_ml <- one(cfa(SOH, data = hs))
ref$hs_second_order_mlr <- one(cfa(SOH, data = hs, estimator = "MLR"))
ref$hsm_second_order_fiml_mlr <- one(cfa(SOH, data = hsm, estimator = "MLR", missing = "ml"))
ref$hs_second_order_school <- one(cfa(SOH, data = hs, group = "school", group.equal = "loadings"))
# ... and its items cut at their quartiles (4 ordered categories), WLSMV
hs4 <- as.data.frame(lapply(hs[, paste0("x", 1:9)], function(v)
  cut(v, unique(quantile(v, c(0, .25, .5, .75, 1))), include.lowest = TRUE, labels = FALSE)))
write.csv(hs4, file.path(out, "hs_quartiles.csv"), row.names = FALSE)
ref$hs4_second_order_wlsmv <- one(cfa(SOH, data = hs4, ordered = paste0("x", 1:9)))

# ---------------- group order, missing group, invariance and lavTestLRT (MLR) ----------------
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
mg <- lapply(steps, function(eq) cfa(NE, data = b, group = "gender", group.equal = eq))
ref$bfi_gender_ml <- lapply(mg, one)
rg <- lapply(steps, function(eq) cfa(NE, data = b, group = "gender", group.equal = eq, estimator = "MLR"))
ref$bfi_gender_mlr <- lapply(rg, one)
ref$bfi_gender_mlr$lrt <- list(
  sb2001 = lrt(rg$configural, rg$metric),
  sb2010 = lrt(rg$configural, rg$metric, method = "satorra.bentler.2010"),
  satorra2000 = lrt(rg$configural, rg$metric, method = "satorra.2000"),
  scalar_sb2001 = lrt(rg$metric, rg$scalar),
  scalar_sb2010 = lrt(rg$metric, rg$scalar, method = "satorra.bentler.2010"),
  scalar_satorra2000 = lrt(rg$metric, rg$scalar, method = "satorra.2000"))

writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, na = "null"), file.path(out, "reference_cfa2.json"))
