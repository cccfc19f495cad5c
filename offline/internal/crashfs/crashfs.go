// Package crashfs is a FUSE pass-through file system for power-cut tests, in
// the spirit of LazyFS: it writes through to a backing directory but keeps,
// for every file, what was written since that file's last fsync, and Cut
// drops all of it, as a power cut drops the page cache. It also journals the
// durability-relevant operations (writes, fsyncs of files and directories,
// mkdir, rename, unlink) so tests can check their order.
//
// Limits, on purpose and stated: directory entries (create, mkdir, rename,
// unlink) are durable at once, as on a journalling file system that happens
// to have committed them; the journal is what shows whether the directory
// was fsynced. Only offline's tests import it; it needs /dev/fuse and root
// (or a user namespace allowed to mount FUSE).
package crashfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// Op is one journalled operation.
type Op struct {
	Kind string // create, write, fsync, fsyncdir, mkdir, rename, unlink, mark
	Path string // relative to the mount point
	To   string // rename target
}

// From is the source path of a rename (Path), for readability.
func (o Op) From() string { return o.Path }

func (o Op) String() string {
	if o.To != "" {
		return o.Kind + " " + o.Path + " -> " + o.To
	}
	return o.Kind + " " + o.Path
}

// MarkPrefix: a lookup of a name starting with it anywhere in the tree is
// journalled as a "mark" (and answered ENOENT), so the program under test
// can put an event such as "acknowledged" into the journal with os.Stat.
const MarkPrefix = ".crashfs-mark-"

// Stats counts what the file system saw.
type Stats struct {
	Writes, Fsyncs, DirFsyncs, Cuts int
	DroppedBytes                    int64 // written but never fsynced, undone by Cut
	DroppedFiles                    int   // files with unsynced data at a Cut
}

// FS is a mounted crash file system.
type FS struct {
	backing, mnt string
	server       *fuse.Server

	mu      sync.Mutex
	dead    bool
	dirty   map[uint64]*dirty // by backing inode
	journal []Op
	stats   Stats
}

// dirty is the undo log of one file since its last fsync.
type dirty struct {
	fd      int // our own descriptor on the backing file
	size0   int64
	pending int64 // bytes written since the last fsync
	undo    []span
}

type span struct {
	off int64
	old []byte
}

// Mount serves backing at mnt (both existing directories).
func Mount(backing, mnt string) (*FS, error) {
	c := &FS{backing: backing, mnt: mnt, dirty: map[uint64]*dirty{}}
	var st syscall.Stat_t
	if err := syscall.Stat(backing, &st); err != nil {
		return nil, fmt.Errorf("crashfs: %w", err)
	}
	root := &fs.LoopbackRoot{Path: backing, Dev: uint64(st.Dev)}
	root.NewNode = func(r *fs.LoopbackRoot, _ *fs.Inode, _ string, _ *syscall.Stat_t) fs.InodeEmbedder {
		return &node{LoopbackNode: fs.LoopbackNode{RootData: r}, c: c}
	}
	rootNode := root.NewNode(root, nil, "", &st)
	root.RootNode = rootNode
	zero := time.Duration(0)
	srv, err := fs.Mount(mnt, rootNode, &fs.Options{
		EntryTimeout: &zero, AttrTimeout: &zero, NegativeTimeout: &zero,
		MountOptions: fuse.MountOptions{FsName: "crashfs", Name: "crashfs", DisableXAttrs: true, DirectMount: true},
	})
	if err != nil {
		return nil, fmt.Errorf("crashfs: mount: %w", err)
	}
	c.server = srv
	return c, nil
}

// Unmount unmounts (retrying while busy) and forgets unsynced data state.
func (c *FS) Unmount() error {
	var err error
	for i := 0; i < 50; i++ {
		if err = c.server.Unmount(); err == nil {
			c.server.Wait()
			break
		}
		time.Sleep(100 * time.Millisecond) // EBUSY while the kernel releases files
	}
	c.mu.Lock()
	for ino, d := range c.dirty {
		syscall.Close(d.fd)
		delete(c.dirty, ino)
	}
	c.mu.Unlock()
	return err
}

// Cut is the power cut: from now on every operation fails with EIO. Kill
// the processes using the mount, then call Restore.
func (c *FS) Cut() {
	c.mu.Lock()
	c.dead = true
	c.stats.Cuts++
	c.mu.Unlock()
}

// Restore undoes every write not followed by an fsync of its file (the
// file comes back with its content at that file's last fsync, or empty if
// it never had one) and lets operations through again.
func (c *FS) Restore() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for ino, d := range c.dirty {
		for i := len(d.undo) - 1; i >= 0; i-- {
			s := d.undo[i]
			if _, err := unix.Pwrite(d.fd, s.old, s.off); err != nil {
				errs = append(errs, err)
			}
		}
		if err := syscall.Ftruncate(d.fd, d.size0); err != nil {
			errs = append(errs, err)
		}
		c.stats.DroppedBytes += d.pending
		c.stats.DroppedFiles++
		syscall.Close(d.fd)
		delete(c.dirty, ino)
	}
	c.dead = false
	return errors.Join(errs...)
}

// Journal returns the operations since the last ResetJournal.
func (c *FS) Journal() []Op {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Op(nil), c.journal...)
}

// ResetJournal empties the journal.
func (c *FS) ResetJournal() {
	c.mu.Lock()
	c.journal = nil
	c.mu.Unlock()
}

// Stats returns the counters.
func (c *FS) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *FS) log(kind, path, to string) {
	if kind == "write" && len(c.journal) > 0 {
		if last := c.journal[len(c.journal)-1]; last.Kind == "write" && last.Path == path {
			return // consecutive writes to one file: one entry
		}
	}
	c.journal = append(c.journal, Op{Kind: kind, Path: path, To: to})
}

// beforeWrite records what a write of n bytes at off will overwrite. Called
// with c.mu held.
func (c *FS) beforeWrite(ino uint64, path string, off int64, n int) error {
	d, err := c.dirtyFor(ino, path)
	if err != nil {
		return err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(d.fd, &st); err != nil {
		return err
	}
	end := off + int64(n)
	d.pending += int64(n)
	if end > st.Size {
		end = st.Size
	}
	if end > off {
		old := make([]byte, end-off)
		if _, err := unix.Pread(d.fd, old, off); err != nil {
			return err
		}
		d.undo = append(d.undo, span{off: off, old: old})
	}
	return nil
}

// beforeTruncate records what cutting the file to size drops.
func (c *FS) beforeTruncate(ino uint64, path string, size int64) error {
	d, err := c.dirtyFor(ino, path)
	if err != nil {
		return err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(d.fd, &st); err != nil {
		return err
	}
	if st.Size > size {
		old := make([]byte, st.Size-size)
		if _, err := unix.Pread(d.fd, old, size); err != nil {
			return err
		}
		d.undo = append(d.undo, span{off: size, old: old})
	}
	return nil
}

func (c *FS) dirtyFor(ino uint64, path string) (*dirty, error) {
	if d := c.dirty[ino]; d != nil {
		return d, nil
	}
	fd, err := syscall.Open(filepath.Join(c.backing, path), syscall.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	d := &dirty{fd: fd, size0: st.Size}
	c.dirty[ino] = d
	return d, nil
}

func (c *FS) synced(ino uint64) {
	if d := c.dirty[ino]; d != nil {
		syscall.Close(d.fd)
		delete(c.dirty, ino)
	}
}

// node is a loopback node that journals and guards mutations.
type node struct {
	fs.LoopbackNode
	c *FS
}

var (
	_ fs.NodeOpener    = (*node)(nil)
	_ fs.NodeCreater   = (*node)(nil)
	_ fs.NodeFsyncer   = (*node)(nil)
	_ fs.NodeRenamer   = (*node)(nil)
	_ fs.NodeMkdirer   = (*node)(nil)
	_ fs.NodeUnlinker  = (*node)(nil)
	_ fs.NodeRmdirer   = (*node)(nil)
	_ fs.NodeSetattrer = (*node)(nil)
	_ fs.NodeLookuper  = (*node)(nil)
)

func (n *node) rel(name string) string {
	p := n.Path(n.Root())
	if name != "" {
		p = filepath.Join(p, name)
	}
	return p
}

func (n *node) ino() uint64 { return n.StableAttr().Ino }

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if strings.HasPrefix(name, MarkPrefix) {
		n.c.mu.Lock()
		defer n.c.mu.Unlock()
		if n.c.dead {
			return nil, syscall.EIO
		}
		n.c.log("mark", n.rel(strings.TrimPrefix(name, MarkPrefix)), "")
		return nil, syscall.ENOENT
	}
	n.c.mu.Lock()
	dead := n.c.dead
	n.c.mu.Unlock()
	if dead {
		return nil, syscall.EIO
	}
	return n.LoopbackNode.Lookup(ctx, name, out)
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.dead {
		return nil, 0, syscall.EIO
	}
	if flags&syscall.O_TRUNC != 0 {
		if err := n.c.beforeTruncate(n.ino(), n.rel(""), 0); err != nil {
			return nil, 0, fs.ToErrno(err)
		}
	}
	fd, err := syscall.Open(filepath.Join(n.c.backing, n.rel("")), int(flags)&^syscall.O_APPEND, 0)
	if err != nil {
		return nil, 0, fs.ToErrno(err)
	}
	return &file{fd: fd, n: n}, 0, 0
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.dead {
		return nil, nil, 0, syscall.EIO
	}
	ch, lf, _, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	if r, ok := lf.(fs.FileReleaser); ok {
		r.Release(ctx)
	}
	fd, err := syscall.Open(filepath.Join(n.c.backing, n.rel(name)), int(flags)&^(syscall.O_APPEND|syscall.O_CREAT|syscall.O_EXCL|syscall.O_TRUNC), 0)
	if err != nil {
		return nil, nil, 0, fs.ToErrno(err)
	}
	n.c.log("create", n.rel(name), "")
	return ch, &file{fd: fd, n: ch.Operations().(*node)}, 0, 0
}

// Fsync serves fsync of files (through their handle) and of directories.
func (n *node) Fsync(ctx context.Context, f fs.FileHandle, flags uint32) syscall.Errno {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.dead {
		return syscall.EIO
	}
	if n.StableAttr().Mode&syscall.S_IFDIR != 0 {
		n.c.stats.DirFsyncs++
		n.c.log("fsyncdir", n.rel(""), "")
		return 0
	}
	n.c.stats.Fsyncs++
	n.c.synced(n.ino())
	n.c.log("fsync", n.rel(""), "")
	return 0
}

func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.dead {
		return syscall.EIO
	}
	from, to := n.rel(name), newParent.EmbeddedInode().Path(n.Root())
	to = filepath.Join(to, newName)
	if errno := n.LoopbackNode.Rename(ctx, name, newParent, newName, flags); errno != 0 {
		return errno
	}
	n.c.log("rename", from, to)
	return 0
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.dead {
		return nil, syscall.EIO
	}
	ch, errno := n.LoopbackNode.Mkdir(ctx, name, mode, out)
	if errno == 0 {
		n.c.log("mkdir", n.rel(name), "")
	}
	return ch, errno
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.dead {
		return syscall.EIO
	}
	errno := n.LoopbackNode.Unlink(ctx, name)
	if errno == 0 {
		n.c.log("unlink", n.rel(name), "")
	}
	return errno
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.dead {
		return syscall.EIO
	}
	errno := n.LoopbackNode.Rmdir(ctx, name)
	if errno == 0 {
		n.c.log("rmdir", n.rel(name), "")
	}
	return errno
}

func (n *node) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.dead {
		return syscall.EIO
	}
	if sz, ok := in.GetSize(); ok {
		if err := n.c.beforeTruncate(n.ino(), n.rel(""), int64(sz)); err != nil {
			return fs.ToErrno(err)
		}
		if err := syscall.Truncate(filepath.Join(n.c.backing, n.rel("")), int64(sz)); err != nil {
			return fs.ToErrno(err)
		}
		in.Valid &^= fuse.FATTR_SIZE
	}
	return n.LoopbackNode.Setattr(ctx, nil, in, out)
}

// file is an open file: reads and writes go to the backing file, each
// write first saving what it overwrites.
type file struct {
	fd int
	n  *node
}

var (
	_ fs.FileReader    = (*file)(nil)
	_ fs.FileWriter    = (*file)(nil)
	_ fs.FileGetattrer = (*file)(nil)
	_ fs.FileReleaser  = (*file)(nil)
	_ fs.FileFlusher   = (*file)(nil)
)

func (f *file) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	f.n.c.mu.Lock()
	dead := f.n.c.dead
	f.n.c.mu.Unlock()
	if dead {
		return nil, syscall.EIO
	}
	n, err := unix.Pread(f.fd, dest, off)
	if err != nil {
		return nil, fs.ToErrno(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

func (f *file) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	c := f.n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return 0, syscall.EIO
	}
	path := f.n.rel("")
	if err := c.beforeWrite(f.n.ino(), path, off, len(data)); err != nil {
		return 0, fs.ToErrno(err)
	}
	n, err := unix.Pwrite(f.fd, data, off)
	if err != nil {
		return uint32(n), fs.ToErrno(err)
	}
	c.stats.Writes++
	c.log("write", path, "")
	return uint32(n), 0
}

func (f *file) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	var st syscall.Stat_t
	if err := syscall.Fstat(f.fd, &st); err != nil {
		return fs.ToErrno(err)
	}
	out.FromStat(&st)
	return 0
}

func (f *file) Flush(ctx context.Context) syscall.Errno { return 0 }

func (f *file) Release(ctx context.Context) syscall.Errno {
	if err := syscall.Close(f.fd); err != nil {
		return fs.ToErrno(err)
	}
	return 0
}

// Available reports whether FUSE can be mounted here (/dev/fuse exists and
// fusermount or root privileges are there); tests fail rather than skip
// when it is not, since every machine the project runs on has it.
func Available() error {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return fmt.Errorf("crashfs: %w", err)
	}
	return nil
}

// OpendirHandle wraps the loopback directory handle so that fsync of a
// directory reaches Fsync (journalled) instead of the backing directory.
func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	h, fl, errno := n.LoopbackNode.OpendirHandle(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	return &dirHandle{h: h, n: n}, fl, 0
}

type dirHandle struct {
	h fs.FileHandle
	n *node
}

var (
	_ fs.FileReaddirenter = (*dirHandle)(nil)
	_ fs.FileSeekdirer    = (*dirHandle)(nil)
	_ fs.FileReleasedirer = (*dirHandle)(nil)
	_ fs.FileFsyncdirer   = (*dirHandle)(nil)
)

func (d *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	return d.h.(fs.FileReaddirenter).Readdirent(ctx)
}

func (d *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	return d.h.(fs.FileSeekdirer).Seekdir(ctx, off)
}

func (d *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	d.h.(fs.FileReleasedirer).Releasedir(ctx, flags)
}

func (d *dirHandle) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno {
	return d.n.Fsync(ctx, nil, flags)
}
