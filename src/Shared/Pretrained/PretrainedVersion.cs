using System.Reflection;

namespace Vit.Pretrained;

/// <summary>
/// The Vit version stamped into <c>config.json</c>, and which stamps a reader accepts: any version whose
/// major.minor is not newer than the reader's own (a newer Vit may write fields this one cannot know).
/// </summary>
internal static class PretrainedVersion
{
    /// <summary>Gets the version of the assembly this file is compiled into, without build metadata (e.g. <c>0.1.0</c>).</summary>
    public static string Current { get; } = ReadCurrent();

    /// <summary>Throws unless a config stamped <paramref name="version"/> can be read by this Vit.</summary>
    /// <exception cref="InvalidDataException">The stamp is not a version, or a newer major.minor than this Vit's.</exception>
    public static void EnsureReadable(string path, string version)
    {
        var written = Parse(version) ?? throw new InvalidDataException($"'{path}': vit_version is '{version}'; expected a version such as 0.1.0.");
        var own = Parse(Current)!;
        if (written.Major > own.Major || (written.Major == own.Major && written.Minor > own.Minor))
        {
            throw new InvalidDataException($"'{path}' was written by Vit {version}, which is newer than this Vit ({Current}, reads configs up to {own.Major}.{own.Minor}.x); update the Vit packages to read it.");
        }
    }

    private static Version? Parse(string text)
    {
        string core = text.Split('+', '-')[0];
        return Version.TryParse(core, out var v) && core.Contains('.', StringComparison.Ordinal) ? v : null;
    }

    private static string ReadCurrent()
    {
        var assembly = typeof(PretrainedVersion).Assembly;
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
