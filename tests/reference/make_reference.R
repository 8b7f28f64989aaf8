# Reference values for copro_scale.psychometrics, computed with R.
# Run from the repository root:  Rscript tests/reference/make_reference.R
# Writes tests/reference/reference.json and the CSV data the tests read
# (bfi.csv, holzinger.csv, mtcars.csv, lq2002.csv), so the tests never need R.
suppressPackageStartupMessages({
  library(psych); library(lavaan); library(GPArotation); library(semTools)
  library(multilevel); library(jsonlite)
})
out <- "tests/reference"
ref <- list()
ref$versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
                     lavaan = as.character(packageVersion("lavaan")),
                     GPArotation = as.character(packageVersion("GPArotation")),
                     multilevel = as.character(packageVersion("multilevel")))

# ---------------- data ----------------
bfi25 <- bfi[, 1:25]
write.csv(bfi25, file.path(out, "bfi.csv"), row.names = FALSE, na = "")
bfic <- na.omit(bfi25)
hs <- HolzingerSwineford1939
write.csv(hs, file.path(out, "holzinger.csv"), row.names = FALSE)
write.csv(mtcars, file.path(out, "mtcars.csv"), row.names = FALSE)
data(lq2002, package = "multilevel")
lq <- lq2002[, c("COMPID", sprintf("LEAD%02d", 1:11))]
write.csv(lq, file.path(out, "lq2002.csv"), row.names = FALSE)

mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))

# ---------------- reliability ----------------
rel <- function(x) {
  a <- psych::alpha(x, warnings = FALSE)
  list(alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
       feldt_lower = a$feldt$lower.ci[[1]], feldt_upper = a$feldt$upper.ci[[1]],
       r_drop = unname(a$item.stats$r.drop), mean = unname(a$item.stats$mean),
       sd = unname(a$item.stats$sd), alpha_if_deleted = unname(a$alpha.drop$raw_alpha))
}
N <- paste0("N", 1:5)
ref$alpha_N_complete <- rel(bfic[, N])
ref$alpha_N_pairwise <- rel(bfi25[, N])
ref$alpha_A_pairwise <- rel(bfi25[, paste0("A", 2:5)])
pc <- polychoric(bfic[, N])
ref$polychoric_N <- list(rho = mat(pc$rho), tau = mat(pc$tau))
ref$alpha_N_ordinal <- psych::alpha(pc$rho, warnings = FALSE)$total$raw_alpha
pcm <- polychoric(bfi25[, N])
ref$polychoric_N_missing <- list(rho = mat(pcm$rho), tau = mat(pcm$tau))
# unequal numbers of categories: psych switches to global = FALSE and corrects zero cells
xu <- bfic[, N]; xu$N3 <- pmin(xu$N3, 4)
pcu <- suppressWarnings(polychoric(xu))
ref$polychoric_N_unequal <- list(rho = mat(pcu$rho))

# ---------------- omega ----------------
om <- omega(mtcars, plot = FALSE)
ref$omega_mtcars <- list(alpha = om$alpha, omega_h = om$omega_h, omega_t = om$omega.tot,
                         g_loadings = unname(om$schmid$sl[, 1]))
om5 <- omega(bfic, nfactors = 5, plot = FALSE)
omp <- omega(bfic[, 1:10], nfactors = 2, poly = TRUE, plot = FALSE)
ref$omega_bfi_AC_poly <- list(alpha = omp$alpha, omega_h = omp$omega_h, omega_t = omp$omega.tot)
ref$omega_bfi5 <- list(alpha = om5$alpha, omega_h = om5$omega_h, omega_t = om5$omega.tot)

# ---------------- KMO, Bartlett ----------------
k <- KMO(bfi25)
ref$kmo_bfi_pairwise <- list(overall = k$MSA, per_item = unname(k$MSAi))
k <- KMO(bfic)
ref$kmo_bfi_complete <- list(overall = k$MSA, per_item = unname(k$MSAi))
b <- cortest.bartlett(cor(bfic), n = nrow(bfic))
ref$bartlett_bfi_complete <- list(chi2 = b$chisq, df = b$df, p = b$p.value)

# ---------------- parallel analysis, MAP ----------------
set.seed(1)
fp <- fa.parallel(bfic, fa = "fa", n.iter = 20, plot = FALSE)
ref$parallel_bfi <- list(fa_values = fp$fa.values, nfact = fp$nfact)
v <- vss(bfic, n = 8, plot = FALSE)
ref$map_bfi <- list(map = v$map, suggested = which.min(v$map))

# ---------------- EFA ----------------
efa_ref <- function(x, nf, fm, rot) {
  f <- fa(x, nfactors = nf, fm = fm, rotate = rot, warnings = FALSE)
  r <- list(loadings = mat(unclass(f$loadings)), communalities = unname(f$communality))
  if (!is.null(f$Phi)) r$phi <- mat(f$Phi)
  if (fm == "ml") { r$rmsea <- unname(f$RMSEA[1]); r$tli <- f$TLI }
  r
}
ref$efa <- list(
  minres_oblimin = efa_ref(bfic, 5, "minres", "oblimin"),
  ml_oblimin = efa_ref(bfic, 5, "ml", "oblimin"),
  pa_varimax = efa_ref(bfic, 5, "pa", "varimax"),
  minres_promax = efa_ref(bfic, 5, "minres", "promax"),
  minres_geomin = efa_ref(bfic, 5, "minres", "geominQ"),
  minres_none = efa_ref(bfic, 5, "minres", "none"),
  ml_varimax_hs = efa_ref(hs[, paste0("x", 1:9)], 3, "ml", "varimax")
)

# ---------------- CFA ----------------
model <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
fm_names <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "aic", "bic", "logl", "baseline.chisq", "baseline.df", "npar")
fitm <- function(f) as.list(fitMeasures(f, fm_names))
fit1 <- cfa(model, data = hs)
pe <- parameterEstimates(fit1, standardized = TRUE)
ref$cfa_hs <- list(fit = fitm(fit1),
                   est = pe$est, se = pe$se, std_all = pe$std.all,
                   lhs = pe$lhs, op = pe$op, rhs = pe$rhs)
fitc <- cfa(model, data = hs, group = "school")
fitm_ <- cfa(model, data = hs, group = "school", group.equal = "loadings")
fits <- cfa(model, data = hs, group = "school", group.equal = c("loadings", "intercepts"))
pes <- parameterEstimates(fits, standardized = TRUE)
ref$cfa_hs_school <- list(configural = fitm(fitc), metric = fitm(fitm_), scalar = fitm(fits),
                          scalar_est = pes$est, scalar_lhs = pes$lhs, scalar_op = pes$op,
                          scalar_rhs = pes$rhs, scalar_group = pes$group)
a1 <- anova(fitc, fitm_); a2 <- anova(fitm_, fits)
ref$cfa_hs_school$chisq_diff <- list(metric = a1[2, "Chisq diff"], metric_p = a1[2, "Pr(>Chisq)"],
                                     scalar = a2[2, "Chisq diff"], scalar_p = a2[2, "Pr(>Chisq)"])
# correlated residual and a 2-factor model with a label-free covariance
model2 <- "visual =~ x1 + x2 + x3 + x9\n textual =~ x4 + x5 + x6\n x2 ~~ x3"
fit2 <- cfa(model2, data = hs)
ref$cfa_hs_model2 <- list(fit = fitm(fit2))

# ---------------- team agreement ----------------
items <- lq[, sprintf("LEAD%02d", 1:11)]
scale <- rowMeans(items)
a <- aov(scale ~ as.factor(lq$COMPID))
rj <- rwg.j(items, lq$COMPID, ranvar = 2)
ad <- ad.m(items, lq$COMPID)
a1i <- aov(items$LEAD01 ~ as.factor(lq$COMPID))
ref$agreement_lq <- list(icc1_scale = ICC1(a), icc2_scale = ICC2(a),
                         icc1_lead01 = ICC1(a1i), icc2_lead01 = ICC2(a1i),
                         team = as.character(rj$grpid), rwg_j = rj$rwg.j, ad_j = ad$AD.M,
                         gsize = rj$gsize)

writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           file.path(out, "reference.json"))
cat("done\n")
