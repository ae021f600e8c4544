// The Linux load fix: compiled by MSBuild's RoslynCodeTaskFactory from Vit.LinuxLoadFix.targets, and by the tests.
// Keep it to netstandard2.0 APIs and Microsoft.Build.Utilities: the task factory compiles it against those.
//
// Why: TorchSharp 0.107's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so declares that it needs
// the symbol version GLIBCXX_3.4.32, but only for `std::ios_base_library_init()`, a marker symbol nothing calls.
// Debian 12 / Ubuntu 22.04 ship GCC 12's libstdc++ (newest GLIBCXX_3.4.30), so the dynamic loader refuses the
// library. Setting VER_FLG_WEAK on that one version requirement lets the loader accept it; nothing else changes.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;

namespace Vit.Build;

/// <summary>
/// Marks the <c>GLIBCXX_3.4.32</c> version requirement of <c>libLibTorchSharp.so</c> files as weak when the
/// system's libstdc++ lacks that version. Idempotent; never touches files outside the given list.
/// </summary>
public class LinuxLoadFix : Microsoft.Build.Utilities.Task
{
    /// <summary>The symbol version that GCC 12's libstdc++ does not define.</summary>
    public const string MissingVersion = "GLIBCXX_3.4.32";

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>The <c>libLibTorchSharp.so</c> copies to patch (in build or publish output, never the NuGet cache).</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>When set, overrides the detection of whether the system libstdc++ defines the version.</summary>
    public string SystemHasVersion { get; set; } = "";

    /// <inheritdoc />
    public override bool Execute()
    {
        bool systemHas = SystemHasVersion.Length > 0
            ? bool.Parse(SystemHasVersion)
            : SystemLibstdcxxDefines(MissingVersion);
        if (systemHas)
        {
            Log.LogMessage(MessageImportance.Low, "System libstdc++ defines {0}; libLibTorchSharp.so left as it is.", MissingVersion);
            return true;
        }

        foreach (ITaskItem item in Files)
        {
            string path = item.ItemSpec;
            try
            {
                PatchOutcome outcome = MarkVersionNeedWeak(path, MissingVersion);
                Log.LogMessage(MessageImportance.Normal, "{0}: {1}", path, outcome);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogWarning("Could not patch {0} for this system's libstdc++ ({1}); TorchSharp may fail to load.", path, e.Message);
            }
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>True when a libstdc++.so.6 found in the usual library folders contains the version name.</summary>
    public static bool SystemLibstdcxxDefines(string version)
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (string candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return IndexOf(File.ReadAllBytes(candidate), needle) >= 0;
            }
        }

        // No libstdc++ found where we look: assume the version is missing; a weak flag is harmless either way.
        return false;
    }

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on the <c>Elf64_Vernaux</c> entry named <paramref name="version"/> in the file's
    /// <c>.gnu.version_r</c> section. Writes through a temporary file and a rename, so a failure leaves the original.
    /// </summary>
    public static PatchOutcome MarkVersionNeedWeak(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        int flagsOffset = FindVernauxFlagsOffset(elf, version, path);
        if (flagsOffset < 0)
        {
            return PatchOutcome.NotRequired;
        }

        ushort flags = ReadU16(elf, flagsOffset);
        if ((flags & VerFlagWeak) != 0)
        {
            return PatchOutcome.AlreadyWeak;
        }

        WriteU16(elf, flagsOffset, (ushort)(flags | VerFlagWeak));
        string temp = path + ".vit-patch.tmp";
        File.WriteAllBytes(temp, elf);
        File.Replace(temp, path, null); // a rename: readers see the old file or the new one, never half of one
        return PatchOutcome.Patched;
    }

    /// <summary>File offset of <c>vna_flags</c> for the named version requirement, or -1 when there is none.</summary>
    public static int FindVernauxFlagsOffset(byte[] elf, string version, string nameForErrors)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException($"'{nameForErrors}' is not an ELF file (expected magic 7F 45 4C 46).");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"'{nameForErrors}' is not a little-endian 64-bit ELF file (class {elf[4]}, data {elf[5]}).");
        }

        long sectionTable = (long)ReadU64(elf, 0x28);
        int entrySize = ReadU16(elf, 0x3A);
        int count = ReadU16(elf, 0x3C);
        if (entrySize < 64 || sectionTable <= 0 || sectionTable + (long)entrySize * count > elf.Length)
        {
            throw new InvalidDataException($"'{nameForErrors}' has a section header table outside the file (offset {sectionTable}, {count} x {entrySize} bytes, file {elf.Length} bytes).");
        }

        for (int i = 0; i < count; i++)
        {
            int header = checked((int)(sectionTable + (long)i * entrySize));
            if (ReadU32(elf, header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            int sectionOffset = CheckedOffset(ReadU64(elf, header + 24), elf.Length, nameForErrors);
            int sectionSize = CheckedOffset(ReadU64(elf, header + 32), elf.Length, nameForErrors);
            int strtabHeader = checked((int)(sectionTable + (long)ReadU32(elf, header + 40) * entrySize));
            int strtabOffset = CheckedOffset(ReadU64(elf, strtabHeader + 24), elf.Length, nameForErrors);
            int strtabSize = CheckedOffset(ReadU64(elf, strtabHeader + 32), elf.Length, nameForErrors);
            int needCount = (int)ReadU32(elf, header + 44);
            return FindInVerneedChain(elf, sectionOffset, sectionSize, needCount, strtabOffset, strtabSize, version, nameForErrors);
        }

        return -1;
    }

    private static int FindInVerneedChain(
        byte[] elf, int start, int size, int needCount, int strtab, int strtabSize, string version, string name)
    {
        int need = start;
        for (int n = 0; n < needCount; n++)
        {
            RequireInside(need, 16, start, size, name);
            int auxCount = ReadU16(elf, need + 2);
            int aux = need + (int)ReadU32(elf, need + 8);
            for (int a = 0; a < auxCount; a++)
            {
                RequireInside(aux, 16, start, size, name);
                if (ReadCString(elf, strtab, strtabSize, (int)ReadU32(elf, aux + 8), name) == version)
                {
                    return aux + 4;
                }

                aux += (int)ReadU32(elf, aux + 12);
            }

            uint next = ReadU32(elf, need + 12);
            if (next == 0)
            {
                break;
            }

            need += (int)next;
        }

        return -1;
    }

    private static string ReadCString(byte[] elf, int strtab, int strtabSize, int index, string name)
    {
        if (index < 0 || index >= strtabSize)
        {
            throw new InvalidDataException($"'{name}' has a version name index {index} outside its string table ({strtabSize} bytes).");
        }

        int end = strtab + index;
        while (end < strtab + strtabSize && elf[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(elf, strtab + index, end - strtab - index);
    }

    private static void RequireInside(int offset, int length, int start, int size, string name)
    {
        if (offset < start || offset + length > start + size)
        {
            throw new InvalidDataException($"'{name}' has a version-need entry at offset {offset} outside .gnu.version_r [{start}, {start + size}).");
        }
    }

    private static int CheckedOffset(ulong value, int fileLength, string name)
    {
        if (value > (ulong)fileLength)
        {
            throw new InvalidDataException($"'{name}' has a section offset or size {value} beyond the file's {fileLength} bytes.");
        }

        return (int)value;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return i;
            }
        }

        return -1;
    }

    private static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | (b[o + 1] << 8));

    private static uint ReadU32(byte[] b, int o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));

    private static ulong ReadU64(byte[] b, int o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);

    private static void WriteU16(byte[] b, int o, ushort v)
    {
        b[o] = (byte)v;
        b[o + 1] = (byte)(v >> 8);
    }

    /// <summary>What <see cref="MarkVersionNeedWeak"/> did to a file.</summary>
    public enum PatchOutcome
    {
        /// <summary>The file does not require the version (a TorchSharp build that loads as it is).</summary>
        NotRequired,

        /// <summary>The requirement was already weak (patched before).</summary>
        AlreadyWeak,

        /// <summary>The requirement was made weak now.</summary>
        Patched,
    }
}
