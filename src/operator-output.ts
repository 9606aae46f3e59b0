/**
 * The id of the stack output that names the operator function: the construct writes it, the operator CLI finds the
 * function by it (CloudFormation's output key starts with the construct's path and ends with a hash).
 */
export const OPERATOR_FUNCTION_OUTPUT = 'OperatorFunctionName';
