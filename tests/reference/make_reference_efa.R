# Reference values for EFA on polychoric correlations (psych::fa(cor = "poly")) and for the
# R cross-checks of the library calls in copro_scale.psychometrics (factor_analyzer, pingouin).
# Run from the repository root:  Rscript tests/reference/make_reference_efa.R
# Writes tests/reference/reference_efa.json (with semTools' datCat items inside it), so the
# tests never need R. bfi comes from tests/reference/bfi.csv (written by make_reference.R).
suppressPackageStartupMessages({
  library(psych); library(GPArotation); library(semTools); library(jsonlite)
})
out <- "tests/reference"
ref <- list()
ref$versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
                     GPArotation = as.character(packageVersion("GPArotation")),
                     semTools = as.character(packageVersion("semTools")))
mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))

bfi25 <- read.csv(file.path(out, "bfi.csv"))
bfic <- na.omit(bfi25)
data(datCat, package = "semTools")
cat8 <- as.data.frame(lapply(datCat[, paste0("u", 1:8)], as.integer))
ref$datcat <- list(columns = names(cat8), data = mat(as.matrix(cat8)))

efa_poly <- function(x, nf, fm, rot) {
  f <- fa(x, nfactors = nf, fm = fm, rotate = rot, cor = "poly", warnings = FALSE)
  r <- list(loadings = mat(unclass(f$loadings)), communalities = unname(f$communality),
            n_obs = f$n.obs)
  if (!is.null(f$Phi)) r$phi <- mat(f$Phi)
  if (fm == "ml") { r$rmsea <- unname(f$RMSEA[1]); r$tli <- f$TLI; r$chisq <- f$STATISTIC; r$df <- f$dof }
  r
}
ref$efa_poly <- list(
  bfi_complete_minres_oblimin = efa_poly(bfic, 5, "minres", "oblimin"),
  bfi_pairwise_minres_oblimin = efa_poly(bfi25, 5, "minres", "oblimin"),
  datcat_ml_oblimin = efa_poly(cat8, 2, "ml", "oblimin"),
  datcat_pa_varimax = efa_poly(cat8, 2, "pa", "varimax")
)

# Cronbach's alpha (psych) on the datCat items: the second data set of the pingouin guard.
a <- psych::alpha(cat8, warnings = FALSE)
ref$alpha_datcat <- list(alpha = a$total$raw_alpha, feldt_lower = a$feldt$lower.ci[[1]],
                         feldt_upper = a$feldt$upper.ci[[1]])
# KMO and Bartlett (complete data: the factor_analyzer path) on datCat.
k <- KMO(cat8)
b <- cortest.bartlett(cor(cat8), n = nrow(cat8))
ref$kmo_datcat <- list(overall = k$MSA, per_item = unname(k$MSAi))
ref$bartlett_datcat <- list(chi2 = b$chisq, df = b$df, pvalue = b$p.value)
# Rotations on a second data set (factor_analyzer's Rotator against GPArotation / stats).
rot_ref <- function(rot) {
  f <- fa(cat8, nfactors = 2, fm = "minres", rotate = rot, warnings = FALSE)
  r <- list(loadings = mat(unclass(f$loadings)))
  if (!is.null(f$Phi)) r$phi <- mat(f$Phi)
  r
}
ref$rotation_datcat <- list(oblimin = rot_ref("oblimin"), promax = rot_ref("promax"),
                            varimax = rot_ref("varimax"), geomin = rot_ref("geominQ"))

writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           file.path(out, "reference_efa.json"))
cat("done\n")
