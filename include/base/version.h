/* version: the one version string of every ptyshim program. */
#ifndef PTYSHIM_VERSION_H
#define PTYSHIM_VERSION_H

#define PTYSHIM_VERSION "0.1.0"

#endif
