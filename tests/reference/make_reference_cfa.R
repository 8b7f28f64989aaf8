# lavaan 0.6 reference values for copro_scale.psychometrics.cfa (estimators, missing data,
# ordered items, multi-group, invariance). Run from the repository root:
#   Rscript tests/reference/make_reference_cfa.R
# Writes tests/reference/reference_cfa.json and the data it used (hs_missing.csv,
# poldem.csv, bfi_ordered.csv), so the tests never need R.
suppressPackageStartupMessages({ library(lavaan); library(psych); library(jsonlite) })
out <- "tests/reference"
ref <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))))

# ---------------- data ----------------
hs <- HolzingerSwineford1939[, c("school", paste0("x", 1:9))]
set.seed(20261128)
hsm <- hs
for (v in paste0("x", 1:9)) hsm[runif(nrow(hsm)) < 0.08, v] <- NA   # 8% MCAR per item
write.csv(hsm, file.path(out, "hs_missing.csv"), row.names = FALSE, na = "")
pd <- PoliticalDemocracy
write.csv(pd, file.path(out, "poldem.csv"), row.names = FALSE)
bo <- psych::bfi[, c(paste0("A", 1:5), paste0("C", 1:5), "gender")]
bo$gender <- ifelse(bo$gender == 1, "male", "female")
write.csv(bo, file.path(out, "bfi_ordered.csv"), row.names = FALSE, na = "")

# ---------------- helpers ----------------
fm <- function(fit) {
  f <- fitMeasures(fit)
  as.list(setNames(as.numeric(f), names(f)))
}
pt <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  p <- parTable(fit)
  g <- if (is.null(pe$group)) rep(1L, nrow(pe)) else pe$group
  list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = g, est = pe$est,
       se = pe$se, std_all = pe$std.all)
}
one <- function(fit) list(fit = fm(fit), par = pt(fit), converged = lavInspect(fit, "converged"))

HS <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"
AC <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
ORD <- c(paste0("A", 1:5), paste0("C", 1:5))

# ---------------- ML: bugs ----------------
ref$pd_ml <- one(cfa(PD, data = pd))                             # std.all of residual covariances
ref$hs_just <- one(cfa("visual =~ x1 + x2 + x3", data = hs))     # df = 0
ref$hs_cov <- one(cfa(HS, sample.cov = cov(hs[, 2:10]), sample.nobs = nrow(hs)))

# ---------------- FIML, MLR ----------------
ref$hsm_fiml_ml <- one(cfa(HS, data = hsm, missing = "ml"))
ref$hsm_fiml_mlr <- one(cfa(HS, data = hsm, missing = "ml", estimator = "MLR"))
ref$hs_mlr <- one(cfa(HS, data = hs, estimator = "MLR"))
ref$pd_mlr <- one(cfa(PD, data = pd, estimator = "MLR"))
ref$hsm_listwise_ml <- one(cfa(HS, data = hsm))

# multi-group FIML + MLR, invariance steps and partial scalar
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
mg <- lapply(steps, function(eq) cfa(HS, data = hsm, group = "school", missing = "ml",
                                     estimator = "MLR", group.equal = eq))
ref$hsm_mlr_school <- lapply(mg, one)
part <- cfa(HS, data = hsm, group = "school", missing = "ml", estimator = "MLR",
            group.equal = c("loadings", "intercepts"), group.partial = c("x3~1", "x7~1"))
ref$hsm_mlr_school$partial <- one(part)
lrt <- function(a, b, method = "default") {
  t <- lavTestLRT(a, b, method = method)
  list(chisq_diff = t[["Chisq diff"]][2], df_diff = t[["Df diff"]][2], p = t[["Pr(>Chisq)"]][2])
}
ref$hsm_mlr_school$lrt <- list(metric = lrt(mg$configural, mg$metric),
                               scalar = lrt(mg$metric, mg$scalar),
                               partial = lrt(mg$metric, part))

# ---------------- WLSMV, ordered ----------------
boc <- na.omit(bo)
ref$bfi_wlsmv <- one(cfa(AC, data = boc, ordered = ORD, estimator = "WLSMV"))
ref$bfi_wlsmv_pairwise <- one(cfa(AC, data = bo, ordered = ORD, estimator = "WLSMV",
                                  missing = "pairwise"))
wsteps <- list(configural = "", metric = "loadings",
               scalar = c("loadings", "thresholds"))
wg <- lapply(wsteps, function(eq) cfa(AC, data = boc, ordered = ORD, estimator = "WLSMV",
                                      group = "gender", group.equal = eq))
ref$bfi_wlsmv_gender <- lapply(wg, one)
ref$bfi_wlsmv_gender$lrt <- list(metric = lrt(wg$configural, wg$metric),
                                 scalar = lrt(wg$metric, wg$scalar))

writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, na = "null"),
           file.path(out, "reference_cfa.json"))
