using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Vit.Testing;

/// <summary>
/// Finds, in a compiled assembly, every call that makes a TorchSharp <c>Scalar</c> behind the code's back: Scalar's
/// implicit conversions; Tensor operators with a number operand; and the TorchSharp 0.107 members that create one
/// inside (<c>add</c>/<c>add_</c> without an alpha, the <c>+</c> operator, <c>number - tensor</c>, <c>square()</c>,
/// <c>addcdiv</c>/<c>addcdiv_</c> without a value). TorchSharp frees such a temporary in its finalizer, which another
/// thread's garbage collection can run while libtorch still reads it; library code creates its Scalars explicitly and
/// disposes them after the call, or passes <c>ScalarConstants.One</c> as the alpha.
/// </summary>
internal static class ImplicitScalarScan
{
    private static readonly Dictionary<ushort, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(op => unchecked((ushort)op.Value));

    private static readonly HashSet<string> NumberTypes = ["int", "long", "float", "double"];

    /// <summary>Lists each finding as <c>Type.Method: callee</c>, for methods of types whose name <paramref name="includeType"/> accepts (all by default).</summary>
    public static IReadOnlyList<string> Find(Assembly assembly, Func<string, bool>? includeType = null)
    {
        using var pe = new PEReader(File.OpenRead(assembly.Location));
        var metadata = pe.GetMetadataReader();
        var findings = new List<string>();
        foreach (var typeHandle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(typeHandle);
            string typeName = metadata.GetString(type.Name);
            if (includeType is not null && !includeType(typeName))
            {
                continue;
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = metadata.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                byte[] il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!;
                foreach (string callee in ImplicitScalarCallees(metadata, il))
                {
                    findings.Add($"{typeName}.{metadata.GetString(method.Name)}: {callee}");
                }
            }
        }

        return findings;
    }

    private static IEnumerable<string> ImplicitScalarCallees(MetadataReader metadata, byte[] il)
    {
        int i = 0;
        while (i < il.Length)
        {
            ushort value = il[i++];
            if (value == 0xFE)
            {
                value = (ushort)(0xFE00 | il[i++]);
            }

            var op = OpCodesByValue[value];
            if (op.OperandType == OperandType.InlineMethod
                && MetadataTokens.EntityHandle(BitConverter.ToInt32(il, i)) is { Kind: HandleKind.MemberReference } handle
                && Describe(metadata, metadata.GetMemberReference((MemberReferenceHandle)handle)) is { } callee)
            {
                yield return callee;
            }

            i += OperandSize(op.OperandType, il, i);
        }
    }

    private static string? Describe(MetadataReader metadata, MemberReference member)
    {
        if (member.Parent.Kind != HandleKind.TypeReference)
        {
            return null;
        }

        string type = metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)member.Parent).Name);
        string name = metadata.GetString(member.Name);
        if (type == "Scalar" && name == "op_Implicit")
        {
            return "Scalar.op_Implicit";
        }

        if (type != "Tensor")
        {
            return null;
        }

        var parameters = member.DecodeMethodSignature(new SignatureTypeNames(), null).ParameterTypes;
        bool makesScalar = name switch
        {
            "add" or "add_" => parameters.Length == 1,
            "addcdiv" or "addcdiv_" => parameters.Length == 2,
            "square" or "op_Addition" => true,
            "op_Subtraction" => parameters[0] != "Tensor" || parameters.Any(NumberTypes.Contains),
            _ => name.StartsWith("op_", StringComparison.Ordinal) && parameters.Any(NumberTypes.Contains),
        };
        return makesScalar ? $"Tensor.{name}({string.Join(", ", parameters)})" : null;
    }

    private static int OperandSize(OperandType operand, byte[] il, int at) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };
}
