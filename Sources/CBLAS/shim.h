#ifndef ACDC_CBLAS_SHIM_H
#define ACDC_CBLAS_SHIM_H
#include <cblas.h>

/* OpenBLAS threading control; declared here so Swift sees one stable signature
   across OpenBLAS builds (pthread / openmp / serial). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
