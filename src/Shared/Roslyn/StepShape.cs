// Which methods can be steps or pipelines. The analyzer reports every problem (SOP101–SOP103);
// the generator uses the same judgement to stay silent on methods it cannot serve.
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace StepOperator.Roslyn;

/// <summary>
/// One reason a method cannot be a step: the rule, the arguments of its message format (<see cref="StepShape.MessageFormats"/>),
/// where it is, and the code fix that removes it (<paramref name="Fix"/>), if one does.
/// </summary>
internal readonly record struct ShapeProblem(string RuleId, IReadOnlyList<string> Arguments, Location? Location, string? Fix = null);

internal static class StepShape
{
    public const string UnsupportedShape = "SOP101";
    public const string UnsupportedPassing = "SOP102";
    public const string NotAnArtifact = "SOP103";

    /// <summary>The fix that adds 'partial' to the types around a step.</summary>
    public const string AddPartialFix = "AddPartial";

    public const string StepRole = "Step";
    public const string PipelineRole = "Pipeline";

    /// <summary>The message format of each shape rule (a composite format: "{0}" is its first argument).</summary>
    public static class MessageFormats
    {
        /// <summary>{0}: the method ("Method 'Train'", "A lambda"); {1}: what it is marked as ("step"); {2}: why it cannot be one, and the fix.</summary>
        public const string UnsupportedShape = "{0} cannot be a {1}: {2}";

        /// <summary>{0}: the parameter or the method; {1}: how it is passed ("is passed by reference (ref)"); {2}: the fix.</summary>
        public const string UnsupportedPassing = "{0} {1}, which cannot leave the process: a step's inputs and result are artifacts, passed by value. {2}.";

        /// <summary>{0}: the parameter or the method ("Step 'Train' returns"); {1}: the type; {2}: why it is no artifact; {3}: the fix.</summary>
        public const string NotAnArtifact = "{0} '{1}', which cannot be an artifact ({2}). {3}.";
    }

    /// <summary>Every reason <paramref name="method"/> cannot be a step (or pipeline); empty when it can.</summary>
    public static List<ShapeProblem> Check(IMethodSymbol method, string role)
    {
        var problems = new List<ShapeProblem>();
        var where = IdentifierLocation(method);
        var name = method.Name;
        var subject = $"Method '{name}'";
        var marked = role.ToLowerInvariant();

        ShapeProblem Shape(string why, Location? at = null, string? fix = null) => new(UnsupportedShape, [subject, marked, why], at ?? where, fix);

        if (method.MethodKind == MethodKind.LocalFunction)
        {
            problems.Add(new(UnsupportedShape, [$"Local function '{name}'", marked, "generated code cannot call it. Move it to a method of a class."], where));
            return problems;
        }

        if (method.MethodKind == MethodKind.AnonymousFunction)
        {
            problems.Add(new(UnsupportedShape, ["A lambda", marked, "generated code cannot call it. Move it to a method of a class."], where));
            return problems;
        }

        if (method.MethodKind != MethodKind.Ordinary)
        {
            problems.Add(Shape($"it is not an ordinary method ({Describe(method.MethodKind)}). Mark an ordinary method instead."));
            return problems;
        }

        if (method.IsGenericMethod)
        {
            problems.Add(Shape("it is generic, and the type arguments of a step must be known when the program is built. Remove the type parameters or call a generic helper from a non-generic step."));
        }

        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.TypeParameters.Length > 0)
            {
                problems.Add(Shape($"it is declared in the generic type '{type.Name}'. Move it to a non-generic type."));
                break;
            }
        }

        if (!IsAccessibleToGeneratedCode(method, out var hidden))
        {
            problems.Add(Shape($"it is not accessible to generated code ({hidden}). Make it and its containing types public or internal."));
        }

        if (!method.IsStatic && !HasUsableReceiver(method.ContainingType))
        {
            problems.Add(Shape($"it is an instance method of '{method.ContainingType?.Name}', which generated code cannot create. Make the method static, or give a non-abstract class a public or internal parameterless constructor."));
        }

        if (role == StepRole && FirstNonPartialType(method.ContainingType) is { } notPartial)
        {
            problems.Add(Shape($"it is declared in '{notPartial.Name}', which is not partial, and the generator adds the step's Submit stub to it. Add the 'partial' modifier to '{notPartial.Name}'.", fix: AddPartialFix));
        }

        if (role == StepRole && name == "Submit")
        {
            problems.Add(Shape($"it has the name of the class 'Submit' the generator adds to '{method.ContainingType?.Name}' for the step stubs. Rename the method; Name = \"Submit\" keeps the step's name."));
        }

        if (role == StepRole && name != "Submit" && method.ContainingType is { } owner && HasOwnSubmitMember(owner))
        {
            problems.Add(Shape($"it is declared in '{owner.Name}', which has a member named 'Submit', and the generator adds a nested class of that name for the step stubs. Rename that member."));
        }

        if (role == StepRole && method.ContainingType?.Name == "Submit")
        {
            problems.Add(Shape("it is declared in a type named 'Submit'; the generator adds a nested class of that name for the step stubs, and a type cannot contain a member named like itself. Rename the type."));
        }

        if (role == PipelineRole)
        {
            foreach (var parameter in method.Parameters.Where(p => !IsCancellationToken(p.Type)))
            {
                problems.Add(Shape($"it takes parameter '{parameter.Name}', and a pipeline may take only a CancellationToken. Pass data to steps from inside the pipeline instead.", parameter.Locations.FirstOrDefault()));
            }
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            problems.Add(Shape("it is 'async void', which cannot be awaited. Return Task (or Task<T>) instead."));
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            problems.Add(new(UnsupportedPassing, [$"{role} '{name}'", "returns by reference", "Return the value itself"], ReturnTypeLocation(method) ?? where));
        }

        foreach (var parameter in role == StepRole ? method.Parameters : ImmutableArray<IParameterSymbol>.Empty)
        {
            var at = parameter.Locations.FirstOrDefault() ?? where;
            var parameterOf = $"Parameter '{parameter.Name}' of {marked} '{name}'";
            if (parameter.RefKind != RefKind.None)
            {
                problems.Add(new(UnsupportedPassing, [parameterOf, $"is passed by reference ({RefKindText(parameter.RefKind)})", "Remove the modifier and return what the step produces"], at));
            }
            else if (parameter.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer || parameter.Type.IsRefLikeType)
            {
                problems.Add(new(UnsupportedPassing, [parameterOf, $"has type '{Display(parameter.Type)}'", "Use an array or a Stream instead"], at));
            }
            else if (!IsCancellationToken(parameter.Type) && NonArtifactReason(parameter.Type) is { } reason)
            {
                problems.Add(new(NotAnArtifact, [parameterOf + " has type", Display(parameter.Type), reason, "Pass data: a serializable type, byte[] or Stream"], at));
            }
        }

        if (role == StepRole && !method.ReturnsByRef && !method.ReturnsByRefReadonly)
        {
            var result = UnwrapAwaitable(method.ReturnType);
            if (result is not null && NonArtifactReason(result, isReturn: true) is { } reason)
            {
                problems.Add(new(NotAnArtifact, [$"{role} '{name}' returns", Display(result), reason, "Return data: a serializable type, byte[] or Stream"], ReturnTypeLocation(method) ?? where));
            }
        }

        return problems;
    }

    /// <summary>The value a caller gets after awaiting: T of Task&lt;T&gt;/ValueTask&lt;T&gt;, null for void/Task/ValueTask.</summary>
    public static ITypeSymbol? UnwrapAwaitable(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_Void)
        {
            return null;
        }

        if (type is INamedTypeSymbol named && IsInThreadingTasks(named) && named.Name is "Task" or "ValueTask")
        {
            return named.TypeArguments.Length == 1 ? named.TypeArguments[0] : null;
        }

        return type;
    }

    public static bool IsCancellationToken(ITypeSymbol type) =>
        type.Name == "CancellationToken" && IsNamespace(type.ContainingNamespace, "Threading", "System");

    /// <summary>
    /// Whether <paramref name="ns"/> is the namespace named by <paramref name="innermost"/>, then its parents outward
    /// ("Tasks", "Threading", "System"), directly under the global namespace. Compares names, never builds display strings.
    /// </summary>
    public static bool IsNamespace(INamespaceSymbol? ns, params string[] innermost)
    {
        foreach (var name in innermost)
        {
            if (ns is null || ns.IsGlobalNamespace || ns.Name != name)
            {
                return false;
            }

            ns = ns.ContainingNamespace;
        }

        return ns is { IsGlobalNamespace: true };
    }

    private static string? NonArtifactReason(ITypeSymbol type, bool isReturn = false)
    {
        switch (type)
        {
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return "a pointer";
            case IDynamicTypeSymbol:
                return "'dynamic' has no type to store";
            case IArrayTypeSymbol array:
                return NonArtifactReason(array.ElementType);
            case ITypeParameterSymbol:
                return null;
        }

        if (type.IsRefLikeType)
        {
            return isReturn ? "a ref struct lives only on the stack" : null;
        }

        if (type.TypeKind == TypeKind.Delegate || type.SpecialType is SpecialType.System_Delegate or SpecialType.System_MulticastDelegate)
        {
            return "a delegate is code, not data";
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return "a native handle means nothing in another process";
        }

        if (type.Name == "Type" && IsNamespace(type.ContainingNamespace, "System"))
        {
            return "a runtime type handle, not data";
        }

        if (type is INamedTypeSymbol named)
        {
            if (IsInThreadingTasks(named) && named.Name is "Task" or "ValueTask")
            {
                return "a task is a running operation, not data";
            }

            if (IsCancellationToken(named))
            {
                return "a cancellation token belongs to one process";
            }

            foreach (var argument in named.TypeArguments)
            {
                if (NonArtifactReason(argument) is { } inner)
                {
                    return inner;
                }
            }
        }

        return null;
    }

    /// <summary>A member named Submit other than the stubs class the generator itself adds (marked [GeneratedCode("StepOperator.Generators")]).</summary>
    private static bool HasOwnSubmitMember(INamedTypeSymbol type) =>
        type.GetMembers("Submit").Any(member => !member.GetAttributes().Any(a =>
            a.AttributeClass?.Name == "GeneratedCodeAttribute" &&
            a.ConstructorArguments.Length > 0 &&
            a.ConstructorArguments[0].Value is "StepOperator.Generators"));

    private static INamedTypeSymbol? FirstNonPartialType(INamedTypeSymbol? type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            var partial = current.DeclaringSyntaxReferences.Length > 0 && current.DeclaringSyntaxReferences.All(r =>
                r.GetSyntax() is TypeDeclarationSyntax declaration &&
                declaration.Modifiers.Any(m => m.IsKind(SyntaxKind.PartialKeyword)));
            if (!partial)
            {
                return current;
            }
        }

        return null;
    }

    private static bool IsInThreadingTasks(INamedTypeSymbol type) =>
        IsNamespace(type.ContainingNamespace, "Tasks", "Threading", "System");

    private static bool IsAccessibleToGeneratedCode(IMethodSymbol method, out string hidden)
    {
        if (!IsVisible(method.DeclaredAccessibility))
        {
            hidden = $"it is {Accessibility(method.DeclaredAccessibility)}";
            return false;
        }

        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsFileLocal)
            {
                hidden = $"'{type.Name}' is file-local";
                return false;
            }

            if (!IsVisible(type.DeclaredAccessibility))
            {
                hidden = $"'{type.Name}' is {Accessibility(type.DeclaredAccessibility)}";
                return false;
            }
        }

        hidden = string.Empty;
        return true;
    }

    private static bool IsVisible(Accessibility accessibility) =>
        accessibility is Microsoft.CodeAnalysis.Accessibility.Public
            or Microsoft.CodeAnalysis.Accessibility.Internal
            or Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal;

    private static bool HasUsableReceiver(INamedTypeSymbol? type)
    {
        if (type is null || type.IsStatic || type.IsAbstract || type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return false;
        }

        if (type.TypeKind == TypeKind.Struct)
        {
            return true;
        }

        return type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && IsVisible(c.DeclaredAccessibility));
    }

    private static Location? IdentifierLocation(IMethodSymbol method)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax())
            {
                case MethodDeclarationSyntax declaration:
                    return declaration.Identifier.GetLocation();
                case LocalFunctionStatementSyntax local:
                    return local.Identifier.GetLocation();
                case ParenthesizedLambdaExpressionSyntax lambda:
                    return lambda.ParameterList.GetLocation();
            }
        }

        return method.Locations.FirstOrDefault();
    }

    private static Location? ReturnTypeLocation(IMethodSymbol method)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax())
            {
                case MethodDeclarationSyntax declaration:
                    return declaration.ReturnType.GetLocation();
                case LocalFunctionStatementSyntax local:
                    return local.ReturnType.GetLocation();
            }
        }

        return null;
    }

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    private static string Accessibility(Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Private => "private",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => accessibility.ToString().ToLowerInvariant(),
    };

    private static string RefKindText(RefKind kind) => kind switch
    {
        RefKind.Ref => "ref",
        RefKind.Out => "out",
        RefKind.In => "in",
        _ => "ref readonly",
    };

    private static string Describe(MethodKind kind) => kind switch
    {
        MethodKind.UserDefinedOperator => "operator",
        MethodKind.Conversion => "conversion operator",
        MethodKind.ExplicitInterfaceImplementation => "explicit interface implementation",
        MethodKind.Constructor or MethodKind.StaticConstructor => "constructor",
        MethodKind.Destructor => "finalizer",
        MethodKind.PropertyGet or MethodKind.PropertySet => "property accessor",
        MethodKind.EventAdd or MethodKind.EventRemove => "event accessor",
        _ => kind.ToString(),
    };
}
