"""Network policy made by the coordinators together: their meetings (agenda, attendance, minutes, decisions) and
the standards those decisions adopt, which reach every case of the regions in scope through the SLA lookup; and
their policy proposals (evidence, decision, implementation, measured effect) with the auditable setting of which
policy areas the coordinators decide themselves."""
