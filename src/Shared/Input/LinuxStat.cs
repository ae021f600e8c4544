using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Vit.Input;

/// <summary>
/// <c>statx(2)</c> on Linux: the file type and identity .NET does not expose (FileInfo cannot tell a FIFO or a device
/// from a regular file). statx's struct layout is the same on every Linux architecture, unlike <c>struct stat</c>.
/// </summary>
internal static class LinuxStat
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxTypeInoSize = 0x1 | 0x100 | 0x200;
    private const int BufferSize = 256;

    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Reads a path's file type (S_IFMT bits), device and inode; null where statx is unavailable.</summary>
    /// <param name="path">The path.</param>
    /// <param name="followLinks">Whether a final symbolic link is followed.</param>
    /// <returns>The facts, or null (statx unavailable); a missing path gives type 0.</returns>
    public static (int Type, ulong Device, ulong Inode)? Read(string path, bool followLinks = true)
    {
        if (_unavailable)
        {
            return null;
        }

        byte[] buffer = new byte[BufferSize];
        try
        {
            if (Statx(AtFdCwd, System.Text.Encoding.UTF8.GetBytes(path + "\0"), followLinks ? 0 : AtSymlinkNoFollow, StatxTypeInoSize, buffer) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                const int enosys = 38, eperm = 1;
                if (errno is enosys or eperm)
                {
                    _unavailable = true;
                    return null;
                }

                return (0, 0, 0);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return null;
        }

        int mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        ulong inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32));
        ulong device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(136)) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(140));
        return (mode & 0xF000, device, inode);
    }

    [DllImport("libc.so.6", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int dirFd, byte[] path, int flags, uint mask, [Out] byte[] buffer);
}
