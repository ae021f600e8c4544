namespace Vit.Input;

/// <summary>What a path names, after following symbolic links.</summary>
internal enum FileKind
{
    /// <summary>Nothing (or a dangling link).</summary>
    Missing,

    /// <summary>A regular file: the only kind a reader opens.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A FIFO (named pipe): opening it blocks until a writer appears.</summary>
    Fifo,

    /// <summary>A character device such as /dev/zero: endless or blocking.</summary>
    CharacterDevice,

    /// <summary>A block device.</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,
}
