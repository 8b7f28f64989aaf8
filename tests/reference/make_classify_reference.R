# Reference values for copro_scale.classify, computed with R (stats only).
# Run from the repository root:  Rscript tests/reference/make_classify_reference.R
# Reads tests/reference/lq2002.csv and bfi.csv (written by make_reference.R) and writes
# tests/reference/classify_reference.json, which tests/reports/test_classify.py reads.
suppressPackageStartupMessages(library(jsonlite))
out <- "tests/reference"
ref <- list(R = R.version.string)

# Pooled within-group covariance = residual covariance of a one-way MANOVA, df = n - groups.
within <- function(x, g) {
  fit <- lm(as.matrix(x) ~ factor(g))
  r <- resid(fit)
  crossprod(r) / (nrow(x) - nlevels(factor(g)))
}
lq <- read.csv(file.path(out, "lq2002.csv"))
lq3 <- lq[, c("LEAD01", "LEAD02", "LEAD03")]
ref$lq_within_cov <- unname(lapply(1:3, function(i) unname(within(lq3, lq$COMPID)[i, ])))
ref$lq_within_df <- nrow(lq3) - length(unique(lq$COMPID))

bfi <- read.csv(file.path(out, "bfi.csv"))
grp <- rep(1:40, length.out = nrow(bfi))
keep <- complete.cases(bfi[, c("A1", "A2", "A3")])
ref$bfi_within_cov <- unname(lapply(1:3, function(i)
  unname(within(bfi[keep, c("A1", "A2", "A3")], grp[keep])[i, ])))

# Pairwise: entry (i, j) is the within-group covariance of columns i and j over the rows with
# both (a one-way MANOVA of the two columns on those rows), df = those rows - their groups.
pairwise <- function(x, g) {
  k <- ncol(x); s <- matrix(0, k, k); df <- matrix(0, k, k)
  for (i in 1:k) for (j in 1:k) {
    both <- complete.cases(x[, c(i, j)])
    s[i, j] <- within(x[both, c(i, j)], g[both])[1, 2]
    df[i, j] <- sum(both) - length(unique(g[both]))
  }
  list(cov = s, df = min(df))
}
pw <- pairwise(bfi[, c("A1", "A2", "A3")], grp)
ref$bfi_pairwise_cov <- unname(lapply(1:3, function(i) pw$cov[i, ]))
ref$bfi_pairwise_df <- pw$df

# Welch standard error of a difference of two means (the pooled PSW vs colleague gap).
g2 <- ifelse(lq$COMPID %% 3 == 0, "psw", "colleague")
tt <- t.test(lq$LEAD01[g2 == "colleague"], lq$LEAD01[g2 == "psw"], var.equal = FALSE)
ref$lq_gap <- unname(tt$estimate[1] - tt$estimate[2])
ref$lq_gap_se <- unname(tt$stderr)

# Multivariate t probability of a half-space, P(a'mu >= b), mu ~ t_nu(m, V): a'mu ~ t_nu(a'm, a'Va).
m <- c(3.2, 2.4, 3.0); V <- matrix(c(.04, .01, .02, .01, .05, .015, .02, .015, .06), 3)
a <- c(1, -0.5, 0.25); b <- 2.5; nu <- 12
ref$halfspace <- list(m = m, V = unname(lapply(1:3, function(i) V[i, ])), a = a, b = b, nu = nu,
                      p = pt((sum(a * m) - b) / sqrt(drop(t(a) %*% V %*% a)), df = nu))
writeLines(toJSON(ref, auto_unbox = TRUE, digits = 15, pretty = TRUE),
           file.path(out, "classify_reference.json"))
