using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace StepOperator.Caching;

/// <summary>
/// A fingerprint of a step's compiled code: the IL of its method and of every method of the same
/// assembly it reaches (helpers, lambdas, async state machines, static initializers of the types
/// whose fields it uses). Metadata tokens are replaced by the names they stand for, and
/// compiler-generated names by their order of discovery, so editing one step leaves the other
/// steps' fingerprints unchanged. Code reached only through virtual calls or other assemblies is
/// identified by the member it calls, not by its body.
/// </summary>
internal static class CodeIdentity
{
    private static readonly ConcurrentDictionary<MethodBase, string> Known = new();
    private static readonly Dictionary<short, OpCode> OpCodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    /// <summary>The fingerprint of <paramref name="root"/> and what it reaches in its assembly (hex SHA-256).</summary>
    public static string Of(MethodBase root) => Known.GetOrAdd(root, Compute);

    private static string Compute(MethodBase root)
    {
        var walk = new Walk(root.Module);
        walk.Enqueue(root);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        while (walk.Next() is { } method)
        {
            walk.Append(hash, method);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed class Walk(Module module)
    {
        private readonly Queue<MethodBase> _pending = new();
        private readonly HashSet<MethodBase> _seen = new();
        private readonly Dictionary<MemberInfo, int> _generatedNames = new();

        public void Enqueue(MethodBase method)
        {
            if (method.Module == module && _seen.Add(method))
            {
                _pending.Enqueue(method);
            }
        }

        public MethodBase? Next() => _pending.Count > 0 ? _pending.Dequeue() : null;

        public void Append(IncrementalHash hash, MethodBase method)
        {
            void Text(string value) => hash.AppendData(Encoding.UTF8.GetBytes(value + "\n"));

            Text("method " + Describe(method));
            if (method.GetCustomAttribute<StateMachineAttribute>() is { } stateMachine)
            {
                // An async or iterator method's body lives in its state machine's MoveNext.
                foreach (var moveNext in stateMachine.StateMachineType.GetMethods(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
                {
                    Enqueue(moveNext);
                }
            }

            MethodBody? body;
            try
            {
                body = method.GetMethodBody();
            }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
            {
                body = null;
            }

            if (body?.GetILAsByteArray() is not { } il)
            {
                return;
            }

            Text("locals " + string.Join(",", body.LocalVariables.Select(local => Describe(local.LocalType))));
            foreach (var clause in body.ExceptionHandlingClauses)
            {
                var catchType = clause.Flags == ExceptionHandlingClauseOptions.Clause ? Describe(clause.CatchType!) : string.Empty;
                Text($"clause {clause.Flags} {clause.TryOffset} {clause.TryLength} {clause.HandlerOffset} {clause.HandlerLength} {catchType}");
            }

            AppendInstructions(hash, method, il, Text);
        }

        private void AppendInstructions(IncrementalHash hash, MethodBase method, byte[] il, Action<string> text)
        {
            var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
            var methodArguments = method is MethodInfo { IsGenericMethod: true } ? method.GetGenericArguments() : null;
            var position = 0;
            while (position < il.Length)
            {
                short value = il[position++];
                if (value == 0xFE && position < il.Length)
                {
                    value = (short)(0xFE00 | il[position++]);
                }

                if (!OpCodes.TryGetValue(value, out var code))
                {
                    // Not an instruction we know: hash the rest as it is.
                    hash.AppendData(il.AsSpan(position - 1));
                    return;
                }

                hash.AppendData(BitConverter.GetBytes(value));
                switch (code.OperandType)
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        hash.AppendData(il.AsSpan(position, 1));
                        position += 1;
                        break;
                    case OperandType.InlineVar:
                        hash.AppendData(il.AsSpan(position, 2));
                        position += 2;
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        hash.AppendData(il.AsSpan(position, 8));
                        position += 8;
                        break;
                    case OperandType.InlineSwitch:
                        var count = BitConverter.ToInt32(il, position);
                        hash.AppendData(il.AsSpan(position, 4 + (4 * count)));
                        position += 4 + (4 * count);
                        break;
                    case OperandType.InlineString:
                        text("string " + module.ResolveString(BitConverter.ToInt32(il, position)));
                        position += 4;
                        break;
                    case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineSig:
                        text("token " + ResolveToken(code.OperandType, BitConverter.ToInt32(il, position), typeArguments, methodArguments));
                        position += 4;
                        break;
                    default:
                        // InlineBrTarget, InlineI, ShortInlineR: four bytes of plain value.
                        hash.AppendData(il.AsSpan(position, 4));
                        position += 4;
                        break;
                }
            }
        }

        private string ResolveToken(OperandType kind, int token, Type[]? typeArguments, Type[]? methodArguments)
        {
            if (kind == OperandType.InlineSig)
            {
                return "signature " + Convert.ToHexString(module.ResolveSignature(token));
            }

            MemberInfo? member;
            try
            {
                member = module.ResolveMember(token, typeArguments, methodArguments);
            }
            catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or MissingMemberException)
            {
                return "unresolved " + token.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
            }

            switch (member)
            {
                case MethodBase called:
                    Enqueue(called is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericMethodDefinition() : called);
                    return Describe(called);
                case FieldInfo field:
                    if (field.DeclaringType?.TypeInitializer is { } initializer)
                    {
                        Enqueue(initializer);
                    }

                    return Describe(field.DeclaringType) + "::" + (Generated(field) ?? field.Name);
                case Type type:
                    return Describe(type);
                default:
                    return member?.ToString() ?? "null";
            }
        }

        /// <summary>A member's name for the fingerprint: stable across unrelated edits.</summary>
        private string Describe(MethodBase method) =>
            $"{Describe(method.DeclaringType)}::{Generated(method) ?? method.Name}({string.Join(",", method.GetParameters().Select(p => Describe(p.ParameterType)))})" +
            (method is MethodInfo { IsGenericMethod: true } ? "<" + string.Join(",", method.GetGenericArguments().Select(Describe)) + ">" : string.Empty);

        private string Describe(Type? type)
        {
            if (type is null)
            {
                return "-";
            }

            if (type.IsGenericParameter)
            {
                return "!" + type.GenericParameterPosition.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (type.HasElementType)
            {
                return Describe(type.GetElementType()) + (type.IsArray ? "[]" : type.IsByRef ? "&" : "*");
            }

            if (type.IsGenericType && !type.IsGenericTypeDefinition)
            {
                return Describe(type.GetGenericTypeDefinition()) + "<" + string.Join(",", type.GetGenericArguments().Select(Describe)) + ">";
            }

            if (type.Module != module)
            {
                // Another assembly: its name and version stand for its code.
                return $"[{type.Assembly.GetName().Name} {type.Assembly.GetName().Version}]{type.FullName}";
            }

            return Generated(type) ?? (type.DeclaringType is { } outer ? Describe(outer) + "+" + type.Name : type.FullName ?? type.Name);
        }

        /// <summary>For compiler-generated members ("&lt;Train&gt;d__3"): their order of discovery, since their names carry ordinals.</summary>
        private string? Generated(MemberInfo member)
        {
            if (member.Module != module || !member.Name.Contains('<', StringComparison.Ordinal))
            {
                return member is Type { DeclaringType: { } outer } && Generated(outer) is { } generatedOuter ? generatedOuter + "+" + member.Name : null;
            }

            if (!_generatedNames.TryGetValue(member, out var number))
            {
                _generatedNames[member] = number = _generatedNames.Count;
            }

            return "generated#" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
