namespace Vit.Distributed.Native;

/// <summary>An MPI datatype with its size and the name error messages use.</summary>
/// <param name="Handle">The Open MPI datatype handle (<c>MPI_FLOAT</c>, ...).</param>
/// <param name="Size">Bytes per element.</param>
/// <param name="Name">The element type's name in messages (float32, int64, ...).</param>
internal readonly record struct MpiElement(IntPtr Handle, int Size, string Name);
