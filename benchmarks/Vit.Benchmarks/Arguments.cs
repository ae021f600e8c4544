using System.Globalization;

namespace Vit.Benchmarks;

/// <summary>
/// <c>--name value</c> and <c>--flag</c> options of one subcommand. Every option a command reads is marked used;
/// <see cref="ThrowIfUnused"/> then rejects typos instead of silently measuring the default.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Arguments(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string token = list[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                throw new ArgumentException($"Expected an option like --batch 128, got '{token}'.");
            }

            string name = token[2..];
            bool hasValue = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal);
            _values[name] = hasValue ? list[++i] : null;
        }
    }

    public int Int(string name, int defaultValue)
    {
        string? text = Text(name);
        if (text is null)
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= 0
            ? value
            : throw new ArgumentException($"--{name} must be a non-negative integer; got '{text}'.");
    }

    public double Double(string name, double defaultValue)
    {
        string? text = Text(name);
        if (text is null)
        {
            return defaultValue;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new ArgumentException($"--{name} must be a number; got '{text}'.");
    }

    public string String(string name, string defaultValue) => Text(name) ?? defaultValue;

    public bool Flag(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out string? value))
        {
            return false;
        }

        return value is null || bool.Parse(value);
    }

    public void ThrowIfUnused()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown option(s) for this command: {string.Join(", ", unknown.Select(k => "--" + k))}.");
        }
    }

    private string? Text(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out string? value))
        {
            return null;
        }

        return value ?? throw new ArgumentException($"--{name} needs a value.");
    }
}
