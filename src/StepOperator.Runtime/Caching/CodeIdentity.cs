using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace StepOperator.Caching;

/// <summary>
/// A fingerprint of a step's compiled code: the IL of its method and of every method it reaches in
/// assemblies that count by content (<see cref="AssemblyOrigins"/>: the program, its referenced
/// projects, any assembly that is not a package version or the shared framework): helpers, lambdas,
/// async state machines, static initializers of the types whose fields it uses. Metadata tokens are
/// replaced by the names they stand for, and compiler-generated names by their order of discovery,
/// so editing one step leaves the other steps' fingerprints unchanged. Where the call cannot be
/// followed, the walk takes more, never less: a virtual or interface call takes every override or
/// implementation of that method in the counted assemblies, and a counted type the code mentions
/// takes its constructors, instance property accessors and virtual methods, which code in packages
/// or the framework (serializers, comparers, collections) may call. Packages and the framework are
/// identified by their version.
/// </summary>
internal static class CodeIdentity
{
    private static readonly ConcurrentDictionary<MethodBase, string> Known = new();
    private static readonly Dictionary<short, OpCode> OpCodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    /// <summary>The fingerprint of <paramref name="root"/> and what it reaches (hex SHA-256), with this process's assembly origins.</summary>
    public static string Of(MethodBase root) => Known.GetOrAdd(root, method => Of(method, AssemblyOrigins.Current));

    /// <summary>The fingerprint of <paramref name="root"/> and what it reaches, with the given assembly origins.</summary>
    internal static string Of(MethodBase root, AssemblyOrigins origins)
    {
        var walk = new Walk(root, origins);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        while (walk.Next() is { } method)
        {
            walk.Append(hash, method);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed class Walk
    {
        private readonly Module _rootModule;
        private readonly AssemblyOrigins _origins;
        private readonly Queue<MethodBase> _pending = new();
        private readonly HashSet<MethodBase> _seen = new();
        private readonly HashSet<Type> _touched = new();
        private readonly HashSet<(Type, string)> _dispatched = new();
        private readonly Dictionary<MemberInfo, int> _generatedNames = new();
        private VirtualMethodIndex? _virtualMethods;

        public Walk(MethodBase root, AssemblyOrigins origins)
        {
            _rootModule = root.Module;
            _origins = origins;
            Enqueue(root);
            foreach (var type in root.GetParameters().Select(p => p.ParameterType).Append((root as MethodInfo)?.ReturnType))
            {
                // Inputs are made and outputs read by the runtime's serializer, through code the walk cannot see.
                Describe(type);
            }
        }

        private bool Counted(Module module) => _origins.Of(module.Assembly).ByContent;

        public void Enqueue(MethodBase method)
        {
            if (Counted(method.Module) && _seen.Add(method))
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
            var module = method.Module;
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
                        text("token " + ResolveToken(module, code.OperandType, BitConverter.ToInt32(il, position), typeArguments, methodArguments));
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

        private string ResolveToken(Module module, OperandType kind, int token, Type[]? typeArguments, Type[]? methodArguments)
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
                return "unresolved " + token.ToString("x8", CultureInfo.InvariantCulture);
            }

            switch (member)
            {
                case MethodBase called:
                    Enqueue(called is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericMethodDefinition() : called);
                    if (called is MethodInfo { IsVirtual: true } dispatched)
                    {
                        EnqueueOverrides(dispatched);
                    }

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

        /// <summary>
        /// A counted type the code mentions: the members that code outside the walk may call on it
        /// (constructors, its static initializer, instance property accessors, virtual methods).
        /// </summary>
        private void Touch(Type type)
        {
            if (!_touched.Add(type))
            {
                return;
            }

            if (type.TypeInitializer is { } initializer)
            {
                Enqueue(initializer);
            }

            foreach (var constructor in type.GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Enqueue(constructor);
            }

            foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                foreach (var accessor in property.GetAccessors(nonPublic: true))
                {
                    Enqueue(accessor);
                }
            }

            foreach (var method in type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly).Where(m => m.IsVirtual))
            {
                Enqueue(method);
            }
        }

        /// <summary>
        /// A virtual or interface call to a method of a counted type: every method of the counted
        /// assemblies that can stand behind it, the same-named virtual methods of types that derive from
        /// or implement the called method's type, even ones made only by reflection. Behind a method of
        /// a package or framework type (ToString, Dispose, IComparer&lt;T&gt;.Compare) stand the counted
        /// types the code mentions, whose virtual methods <see cref="Touch"/> takes.
        /// </summary>
        private void EnqueueOverrides(MethodInfo called)
        {
            if (called.IsFinal && !called.DeclaringType!.IsInterface)
            {
                return;
            }

            var declaring = Definition(called.DeclaringType!);
            if (!Counted(declaring.Module) || !_dispatched.Add((declaring, called.Name)))
            {
                return;
            }

            _virtualMethods ??= VirtualMethodIndex.For(_rootModule.Assembly, _origins);
            if (_virtualMethods.ByName.TryGetValue(VirtualMethodIndex.SimpleName(called.Name), out var candidates))
            {
                foreach (var candidate in candidates.Where(candidate => Derives(candidate.DeclaringType!, declaring)))
                {
                    Enqueue(candidate);
                }
            }
        }

        /// <summary>Whether <paramref name="type"/> is, derives from or implements <paramref name="declaring"/> (generic types by definition).</summary>
        private static bool Derives(Type type, Type declaring)
        {
            if (declaring == typeof(object))
            {
                return true;
            }

            for (var current = type; current is not null; current = current.BaseType)
            {
                if (Definition(current) == declaring)
                {
                    return true;
                }
            }

            return type.GetInterfaces().Any(implemented => Definition(implemented) == declaring);
        }

        private static Type Definition(Type type) => type.IsGenericType && !type.IsGenericTypeDefinition ? type.GetGenericTypeDefinition() : type;

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
                return "!" + type.GenericParameterPosition.ToString(CultureInfo.InvariantCulture);
            }

            if (type.HasElementType)
            {
                return Describe(type.GetElementType()) + (type.IsArray ? "[]" : type.IsByRef ? "&" : "*");
            }

            if (type.IsGenericType && !type.IsGenericTypeDefinition)
            {
                return Describe(type.GetGenericTypeDefinition()) + "<" + string.Join(",", type.GetGenericArguments().Select(Describe)) + ">";
            }

            var origin = _origins.Of(type.Assembly);
            if (!origin.ByContent)
            {
                // A package or the framework: its version stands for its code.
                return $"[{origin.Label}]{type.FullName}";
            }

            Touch(type);
            var name = Generated(type) ?? (type.DeclaringType is { } outer ? Describe(outer) + "+" + type.Name : type.FullName ?? type.Name);
            return type.Module == _rootModule || type.IsNested ? name : $"[{origin.Label}]{name}";
        }

        /// <summary>For compiler-generated members ("&lt;Train&gt;d__3"): their order of discovery, since their names carry ordinals.</summary>
        private string? Generated(MemberInfo member)
        {
            if (!Counted(member.Module) || !member.Name.Contains('<', StringComparison.Ordinal))
            {
                return member is Type { DeclaringType: { } outer } && Generated(outer) is { } generatedOuter ? generatedOuter + "+" + member.Name : null;
            }

            if (!_generatedNames.TryGetValue(member, out var number))
            {
                _generatedNames[member] = number = _generatedNames.Count;
            }

            return "generated#" + number.ToString(CultureInfo.InvariantCulture);
        }
    }
}
