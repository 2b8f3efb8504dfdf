/* Paths of the mount → nodes, and the generated content of small files. */
#ifndef SFS_NODES_H
#define SFS_NODES_H
#include "sandboxfs.h"

enum node_kind {
    N_NONE,
    N_ROOT,
    N_LOG,
    N_TEMPLATES,
    N_TEMPLATE,
    N_SNAPSHOTS,
    N_SNAPSHOT,
    N_SNAPSHOT_FILE,
    N_FILES_ROOT, /* /.files */
    N_FILES,      /* /.files/NAME[/...] */
    N_SBX,        /* /NAME */
    N_SBX_FILE,   /* /NAME/{id,status,info,image,env,expires,metrics,ctl,cmd} */
    N_STREAM,     /* /NAME/{stdout,stderr,output,exit} and commands/N/{...} */
    N_FILES_LINK, /* /NAME/files */
    N_METADATA,
    N_METADATA_KEY,
    N_COMMANDS,
    N_COMMAND,
    N_COMMAND_FILE, /* commands/N/{cmd,status,ctl} */
    N_SESSIONS,
    N_SESSION,
    N_SESSION_FILE, /* sessions/S/{cmd,stdout,exit} */
    N_ENDPOINTS,
    N_ENDPOINT,
};

#define NODE_NAME_MAX 256 /* a metadata key, template, snapshot id or session name, with its NUL */

struct node {
    enum node_kind kind;
    char sbx[SFS_NAME_MAX]; /* sandbox name, when under one */
    char name[NODE_NAME_MAX]; /* template, snapshot id, metadata key, session, file name */
    char file[16];          /* the leaf file inside a command, session or snapshot */
    long num;               /* command number (1-based) or port */
    bool curl;              /* endpoints/PORT.curl */
    const char *rest;       /* N_FILES: path inside the sandbox ("/" for its root) */
};

/* Parses a mount path; -ENOENT for names that can never exist. */
int node_parse(const char *path, struct node *n);

/* Fills st for a node (no files/ nodes). */
int node_getattr(const struct node *n, struct stat *st);

/* The current content of a generated file (malloc'ed). */
int node_content(const struct node *n, char **buf, size_t *len);

/* Lists a directory node (no files/ nodes). */
int node_readdir(const struct node *n, void *buf, fuse_fill_dir_t fill);

/* Resolves command number num (0 = the latest) to its id and JSON record. */
int node_command(struct sfs_sandbox *s, long num, char id[SBX_ID_MAX], json_t **rec);

#endif
