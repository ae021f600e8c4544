namespace Vit.Fuzz;

/// <summary>
/// What a case must end in: a clean error (the library's exception type, its message naming the file) or a result
/// whose summary is known, or, for seeded mutations of valid files, either.
/// </summary>
/// <param name="ErrorType">The exception type a clean error has (null: an error is not acceptable).</param>
/// <param name="ErrorFile">The file the message must name, relative to the case folder.</param>
/// <param name="Result">The exact summary a correct result has (null: a result is not acceptable), or <see cref="AnyResult"/>.</param>
public sealed record FuzzExpectation(Type? ErrorType, string? ErrorFile, string? Result)
{
    /// <summary>Marks a case whose every result is acceptable (a mutation that may leave the file valid).</summary>
    public const string AnyResult = "*";

    /// <summary>A clean <see cref="InvalidDataException"/> naming <paramref name="file"/>.</summary>
    public static FuzzExpectation Invalid(string file) => new(typeof(InvalidDataException), file, null);

    /// <summary>A clean error of type <typeparamref name="T"/> naming <paramref name="file"/> (null: any message).</summary>
    public static FuzzExpectation Error<T>(string? file)
        where T : Exception => new(typeof(T), file, null);

    /// <summary>A result with exactly this summary.</summary>
    public static FuzzExpectation Correct(string summary) => new(null, null, summary);

    /// <summary>Either a clean error naming <paramref name="file"/> or any result.</summary>
    public static FuzzExpectation InvalidOrAny(string file) => new(typeof(InvalidDataException), file, AnyResult);
}
